package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a session gets back in step after an exchange that did not complete cleanly: the late reply
 * is never an answer, and a babbling instrument cannot hold the driver. Scripted transport, manual
 * clock: a silent read moves the clock by its timeout, nothing sleeps.
 */
@Timeout(10) // a resynchronization that never gave up would fail here rather than hang the build
class ScpiSessionResyncTest {
    private static final Duration TIMEOUT = Duration.ofMillis(50);
    private static final String IDN = "QKD-Bench,SCPI-SPAD,0007,2.1";
    private static final String TEMPERATURE = "+2.231500000E+02";
    private static final String DARK = "+6.000000000E-07";

    private final ScriptedTransport link = new ScriptedTransport();
    private final ScpiSession session = new ScpiSession("det-h", link.mock, TIMEOUT, link.clock());

    /** 'DET:TEMP?' gets no reply within the timeout: the instrument stalled, its answer may still come. */
    private void temperatureTimesOut() {
        link.silence();
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("DET:TEMP?"));
        assertEquals("det-h: no reply to 'DET:TEMP?' from " + ScriptedTransport.ADDRESS + " within 50 ms",
                e.getMessage());
        assertFalse(session.inStep());
    }

    /** When the late reply to the timed-out query arrives, relative to the resynchronization. */
    enum LateReply {
        /** While the session waits for the line to fall silent. */
        BEFORE_THE_LINE_FALLS_SILENT,
        /** After the marker went out: the instrument was still stalled during the quiet period. */
        AFTER_THE_MARKER,
        /** In one read with the marker's reply. */
        WITH_THE_MARKERS_REPLY
    }

    @ParameterizedTest
    @EnumSource(LateReply.class)
    void aLateReplyToATimedOutQueryIsNeverTheAnswerToTheNextQuery(LateReply arrival) {
        temperatureTimesOut();
        switch (arrival) {
            case BEFORE_THE_LINE_FALLS_SILENT -> link.reply(TEMPERATURE).silence().reply("1;1");
            case AFTER_THE_MARKER -> link.silence().reply(TEMPERATURE, "1;1");
            case WITH_THE_MARKERS_REPLY -> link.silence().chunk(TEMPERATURE + "\r\n1;1\r\n");
        }
        link.reply(DARK);

        assertEquals(6e-7, session.queryNumber("DET:DARK?"), 1e-15, "not the temperature");
        assertEquals(List.of("DET:TEMP?\n", "*OPC?;*OPC?\n", "DET:DARK?\n"), link.written());
        assertEquals(1, session.staleLinesDiscarded());
        assertEquals(1, session.resynchronizations());
        assertTrue(session.inStep());
        assertTrue(link.consumed());
    }

    @Test
    void aLateIdentityIsDiscardedBeforeTheReconnectsIdentity() {
        link.silence();
        assertThrows(ScpiLinkException.class, session::identify); // stalled on the first connect's '*IDN?'
        // the caller reopens the link; the instrument answers the abandoned '*IDN?' only after the marker
        link.silence().reply(IDN, "1;1", IDN, TEMPERATURE);

        assertEquals(IDN, session.identify());
        assertEquals(223.15, session.queryNumber("DET:TEMP?"), 1e-9, "the identity is not left over for this");
        assertEquals(List.of("*IDN?\n", "*OPC?;*OPC?\n", "*IDN?\n", "DET:TEMP?\n"), link.written());
        assertEquals(1, session.staleLinesDiscarded());
        assertTrue(link.consumed());
    }

    @Test
    void eachResynchronizationSendsAnotherMarkerSoALateReplyToTheLastOneIsStaleToo() {
        temperatureTimesOut();
        link.silence().silence(); // quiet, then no reply to the marker either: stalled again
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("DET:DARK?"));
        assertEquals("det-h: no reply to '*OPC?;*OPC?' (resynchronizing before 'DET:DARK?') from "
                + ScriptedTransport.ADDRESS + " within 50 ms", e.getMessage());

        link.silence().reply("1;1", "1;1;1", DARK); // the first marker's reply comes late, before the second's
        assertEquals(6e-7, session.queryNumber("DET:DARK?"), 1e-15);
        assertEquals(List.of("DET:TEMP?\n", "*OPC?;*OPC?\n", "*OPC?;*OPC?;*OPC?\n", "DET:DARK?\n"), link.written());
        assertEquals(1, session.staleLinesDiscarded());
        assertEquals(1, session.resynchronizations());
    }

    @Test
    void theMarkerHasTwoThreeAndFourUnitsInTurnNeverOne() {
        link.reply("junk");
        assertThrows(ScpiReplyException.class, () -> session.queryNumber("DET:DARK?"));
        for (String markerReply : List.of("1;1", "1;1;1", "1;1;1;1")) {
            link.silence().reply(markerReply, "junk");
            assertThrows(ScpiReplyException.class, () -> session.queryNumber("DET:DARK?"));
        }
        link.silence().reply("+1;+1", DARK);
        assertEquals(6e-7, session.queryNumber("DET:DARK?"), 1e-15);
        assertEquals(List.of("DET:DARK?\n", "*OPC?;*OPC?\n", "DET:DARK?\n", "*OPC?;*OPC?;*OPC?\n", "DET:DARK?\n",
                "*OPC?;*OPC?;*OPC?;*OPC?\n", "DET:DARK?\n", "*OPC?;*OPC?\n", "DET:DARK?\n"), link.written());
        assertEquals(0, session.staleLinesDiscarded());
        assertEquals(4, session.resynchronizations());
    }

    @Test
    void aReplyThatDoesNotParseIsFollowedByAResynchronizationOnTheOpenLink() {
        link.reply("kv.000000000E-07");
        assertThrows(ScpiReplyException.class, () -> session.queryNumber("DET:DARK?"));
        assertFalse(session.inStep());
        link.silence().reply("1;1", DARK);

        assertEquals(6e-7, session.queryNumber("DET:DARK?"), 1e-15);
        assertEquals(List.of("DET:DARK?\n", "*OPC?;*OPC?\n", "DET:DARK?\n"), link.written());
        verify(link.mock, never()).close();
    }

    @Test
    void bytesAfterAReplyAnswerNothingAndAreDiscardedBeforeTheNextCommand() {
        link.chunk(TEMPERATURE + "\n" + TEMPERATURE + "\n");
        assertEquals(223.15, session.queryNumber("DET:TEMP?"), 1e-9, "the first line is the reply");
        assertFalse(session.inStep());
        link.silence().reply("1;1", DARK);

        assertEquals(6e-7, session.queryNumber("DET:DARK?"), 1e-15);
        assertEquals(List.of("DET:TEMP?\n", "*OPC?;*OPC?\n", "DET:DARK?\n"), link.written());
        assertEquals(1, session.staleLinesDiscarded());
    }

    @Test
    void aSettingAfterATimeoutGoesOutOnlyOnceTheStreamIsInStep() {
        temperatureTimesOut();
        link.silence().reply(TEMPERATURE, "1;1").noError();
        session.set("DET:BIAS 70");
        assertEquals(List.of("DET:TEMP?\n", "*OPC?;*OPC?\n", "DET:BIAS 70\n", "SYST:ERR?\n"), link.written());
        assertEquals(1, session.staleLinesDiscarded());
    }

    @Test
    void anInstrumentThatNeverFallsSilentFailsTheResynchronizationInsteadOfHoldingTheDriver() {
        temperatureTimesOut();
        link.endlessly("garbage\n", Duration.ofMillis(1));
        long start = link.nowNanos();

        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("DET:DARK?"));
        assertTrue(e.getMessage().startsWith("det-h: cannot resynchronize with " + ScriptedTransport.ADDRESS
                + " before 'DET:DARK?': it kept sending for 50 ms ("), e.getMessage());
        assertTrue(e.getMessage().endsWith(" stale line(s), the last 'garbage'); expected it to fall silent"),
                e.getMessage());
        assertTrue(link.nowNanos() - start <= TIMEOUT.toNanos(), "gave up at the timeout");
        assertEquals(List.of("DET:TEMP?\n"), link.written(), "nothing more goes out");
        verify(link.mock, times(2)).close();
        assertFalse(session.inStep());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0\n", "garbage without a line end "})
    void aFloodInsteadOfTheMarkersReplyIsCutOffAfterMaxStaleLines(String flood) {
        temperatureTimesOut();
        link.silence().endlessly(flood, Duration.ZERO); // falls silent, then floods once the marker is out

        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("DET:DARK?"));
        assertTrue(e.getMessage().startsWith("det-h: cannot resynchronize with " + ScriptedTransport.ADDRESS
                + " before 'DET:DARK?': it sent more than 64 stale lines, the last '"), e.getMessage());
        assertTrue(e.getMessage().endsWith("'; expected it to fall silent and answer the resynchronization marker"),
                e.getMessage());
        assertEquals(ScpiSession.MAX_STALE_LINES + 1, session.staleLinesDiscarded());
        assertEquals(List.of("DET:TEMP?\n", "*OPC?;*OPC?\n"), link.written());
        assertEquals(0, session.resynchronizations());
    }

    @Test
    void aFloodWhileWaitingForSilenceIsCutOffAfterMaxStaleLinesToo() {
        temperatureTimesOut();
        link.endlessly("0\n", Duration.ZERO);

        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> session.query("DET:DARK?"));
        assertTrue(e.getMessage().contains("it sent more than 64 stale lines, the last '0'"), e.getMessage());
        assertEquals(List.of("DET:TEMP?\n"), link.written());
    }
}
