package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.verify;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.transport.TransportException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.InOrder;

class ScpiSessionTest {
    private final ScriptedTransport link = new ScriptedTransport();
    private final ScpiSession session = new ScpiSession("laser", link.mock, Duration.ofMillis(50), link.clock());

    @Test
    void aQueryGoesOutWithLineFeedAndItsReplyComesBackWithoutTheTerminator() {
        link.reply("+1.55000E+03");
        assertEquals("+1.55000E+03", session.query("SOUR:WAV?"));
        assertEquals(List.of("SOUR:WAV?\n"), link.written());
    }

    @Test
    void aCarriageReturnBeforeTheLineFeedIsAccepted() {
        link.chunk("QKD,LASER,1,1.0\r\n");
        assertEquals("QKD,LASER,1,1.0", session.identify());
    }

    @Test
    void aReplySplitOverSeveralReadsIsAssembled() {
        link.chunk("+1.5").chunk("5E+0").chunk("3\r").chunk("\n");
        assertEquals(1550.0, session.queryNumber("SOUR:WAV?"));
    }

    @Test
    void inputLeftFromAnAbandonedExchangeIsDiscardedBeforeEachQuery() throws Exception {
        link.reply("1");
        session.query("OUTP?");
        InOrder order = inOrder(link.mock);
        order.verify(link.mock).drainInput();
        order.verify(link.mock).write(any(byte[].class), anyInt(), anyInt());
    }

    @Test
    void aMissingReplyIsATimeoutNamingTheDeviceTheCommandAndTheAddressAndTheLinkIsClosed() {
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("SOUR:WAV?"));
        assertEquals("laser: no reply to 'SOUR:WAV?' from " + ScriptedTransport.ADDRESS + " within 50 ms",
                e.getMessage());
        verify(link.mock).close();
    }

    @Test
    void aReplyWithoutLineEndIsATimeoutThatShowsWhatArrived() {
        link.chunk("+1.55E+0");
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("SOUR:WAV?"));
        assertTrue(e.getMessage().contains("received '+1.55E+0' without a line end"), e.getMessage());
    }

    @Test
    void thePeerClosingTheLinkIsReportedWithTheCommand() {
        link.peerCloses();
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("OUTP?"));
        assertEquals("laser: link to " + ScriptedTransport.ADDRESS
                + " closed by the instrument while waiting for the reply to 'OUTP?'", e.getMessage());
    }

    @Test
    void aFailedWriteNamesTheCommandAndTheCauseWithoutRepeatingTheAddress() throws Exception {
        doThrow(new TransportException(ScriptedTransport.ADDRESS, "connection reset by the peer"))
                .when(link.mock).write(any(byte[].class), anyInt(), anyInt());
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.write("OUTP ON"));
        assertEquals("laser: cannot send 'OUTP ON' to " + ScriptedTransport.ADDRESS
                + ": connection reset by the peer", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.2.3", "", "  ", "1550nm", "0x10", "9.91E37", "-9.9E37", "1e999", "NaN",
            "\u0000\u00ff\u0013", "++1", "1,2"})
    void aMalformedNumberIsAReplyErrorNamingTheCommandAndTheReplyNeverANumberFormatException(String junk) {
        link.reply(junk);
        ScpiReplyException e = assertThrows(ScpiReplyException.class, () -> session.queryNumber("SOUR:POW?"));
        assertTrue(e.getMessage().startsWith("laser: 'SOUR:POW?' answered '"), e.getMessage());
        assertTrue(e.getMessage().endsWith("', expected a number"), e.getMessage());
    }

    @Test
    void controlBytesOfAJunkReplyAreShownEscaped() {
        link.reply("\u0000\u00ffx");
        ScpiReplyException e = assertThrows(ScpiReplyException.class, () -> session.queryNumber("SOUR:POW?"));
        assertTrue(e.getMessage().contains("answered '\\x00\\xFFx'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1550", "+1550", "1550.", "1.55E3", "+1.55000000E+03", " 1550 ", "15.5e+2"})
    void everyDecimalResponseFormParses(String reply) {
        link.reply(reply);
        assertEquals(1550.0, session.queryNumber("SOUR:WAV?"), 1e-9);
    }

    @Test
    void aBooleanReplyOtherThanOneOrZeroIsReported() {
        link.reply("1", "OFF", "2");
        assertTrue(session.queryBoolean("OUTP?"));
        assertEquals(false, session.queryBoolean("OUTP?"));
        ScpiReplyException e = assertThrows(ScpiReplyException.class, () -> session.queryBoolean("OUTP?"));
        assertEquals("laser: 'OUTP?' answered '2', expected 1 or 0", e.getMessage());
    }

    @Test
    void aCountMustBeAWholeNumber() {
        link.reply("42", "+4.2E+01", "4.5", "-1");
        assertEquals(42, session.queryCount("DET:COUN?"));
        assertEquals(42, session.queryCount("DET:COUN?"));
        assertThrows(ScpiReplyException.class, () -> session.queryCount("DET:COUN?"));
        assertThrows(ScpiReplyException.class, () -> session.queryCount("DET:COUN?"));
    }

    @Test
    void anOverlongReplyWithoutLineEndIsJunk() {
        String block = "x".repeat(500);
        for (int i = 0; i < 10; i++) {
            link.chunk(block);
        }
        ScpiReplyException e = assertThrows(ScpiReplyException.class, () -> session.query("*IDN?"));
        assertTrue(e.getMessage().contains("more than 4096 bytes without a line end"), e.getMessage());
    }

    @Test
    void commonCommandsAreTheIeee4882Ones() {
        link.reply("QKD,LASER,1,1.0", "1");
        session.identify();
        session.reset();
        session.clearStatus();
        session.operationComplete();
        assertEquals(List.of("*IDN?\n", "*RST\n", "*CLS\n", "*OPC?\n"), link.written());
    }

    @Test
    void lateRepliesToAbandonedRequestsAreSkippedUntilTheIdentity() {
        link.reply("+1.550000000E+03", "1", "QKD,LASER,1,1.0");
        assertEquals("QKD,LASER,1,1.0", session.identify());
        assertEquals(List.of("*IDN?\n"), link.written());
    }

    @Test
    void anInstrumentThatNeverIdentifiesItselfIsReportedWithWhatItSaid() {
        link.reply("hello");
        ScpiLinkException e = assertThrows(ScpiLinkException.class, session::identify);
        assertEquals("laser: no identity from " + ScriptedTransport.ADDRESS + " in reply to '*IDN?' within 50 ms; "
                + "it answered only [hello]", e.getMessage());
    }

    @Test
    void operationCompleteWantsOne() {
        link.reply("0");
        ScpiReplyException e = assertThrows(ScpiReplyException.class, session::operationComplete);
        assertEquals("laser: '*OPC?' answered '0', expected 1", e.getMessage());
    }

    @Test
    void errorsAreDrainedUntilNoErrorInEitherSpelling() {
        link.reply("-113,\"Undefined header\"", "-222,\"Data out of range\"", "+0,\"No error\"");
        List<ScpiError> errors = session.drainErrors();
        assertEquals(List.of(-113, -222), errors.stream().map(ScpiError::code).toList());
        assertEquals("Data out of range", errors.get(1).description());
        assertEquals(List.of("SYST:ERR?\n", "SYST:ERR?\n", "SYST:ERR?\n"), link.written());
    }

    @Test
    void drainingStopsAfter32ReadsWhenTheQueueNeverEmpties() {
        for (int i = 0; i < 40; i++) {
            link.reply("-350,\"Queue overflow\"");
        }
        assertEquals(ScpiSession.MAX_ERROR_READS, session.drainErrors().size());
        assertEquals(Collections.nCopies(32, "SYST:ERR?\n"), link.written());
    }

    @Test
    void anErrorQueueReplyThatIsNoEntryIsReported() {
        link.reply("what?");
        ScpiReplyException e = assertThrows(ScpiReplyException.class, session::drainErrors);
        assertEquals("laser: 'SYST:ERR?' answered 'what?', expected <code>,\"<description>\"", e.getMessage());
    }

    @Test
    void aSettingIsWrittenThenTheErrorQueueIsRead() {
        link.noError();
        session.set("SOUR:WAV 1550");
        assertEquals(List.of("SOUR:WAV 1550\n", "SYST:ERR?\n"), link.written());
    }

    @Test
    void aRefusedSettingNamesTheDeviceTheCommandAndTheInstrumentsError() {
        link.reply("-222,\"Data out of range\"").noError();
        ScpiRefusedException e = assertThrows(ScpiRefusedException.class, () -> session.set("SOUR:WAV 2000"));
        assertEquals("laser: 'SOUR:WAV 2000' refused by the instrument at " + ScriptedTransport.ADDRESS
                + ": -222,\"Data out of range\"", e.getMessage());
        assertEquals("SOUR:WAV 2000", e.command());
        assertEquals(-222, e.errors().get(0).code());
        assertTrue(link.consumed());
    }

    @Test
    void aCommandIsOneLine() {
        assertThrows(IllegalArgumentException.class, () -> session.write("OUTP ON\nOUTP OFF"));
        assertThrows(IllegalArgumentException.class, () -> session.write(" "));
        assertThrows(IllegalArgumentException.class, () -> new ScpiSession("x", link.mock, Duration.ZERO));
    }

    @Test
    void numbersGoOutWithoutNeedlessDigits() {
        assertEquals("1550", ScpiNumbers.format(1550.0));
        assertEquals("100000000", ScpiNumbers.format(1e8));
        assertEquals("10000000000", ScpiNumbers.format(10e9));
        assertEquals("0.1", ScpiNumbers.format(0.1));
        assertEquals("-3.5", ScpiNumbers.format(-3.5));
        assertEquals("6E-7", ScpiNumbers.format(6e-7));
        assertThrows(IllegalArgumentException.class, () -> ScpiNumbers.format(Double.NaN));
    }

    @Test
    void aDeviceExceptionIsWhatCallersCatch() {
        DeviceException e = assertThrows(DeviceException.class, () -> session.query("OUTP?"));
        assertEquals("laser", e.device());
    }
}
