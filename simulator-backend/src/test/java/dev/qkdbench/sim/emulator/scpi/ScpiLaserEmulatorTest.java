package dev.qkdbench.sim.emulator.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The emulated laser's SCPI, byte for byte, without sockets. */
class ScpiLaserEmulatorTest {
    private final EmulatedLaser laser = new EmulatedLaser();
    private final ScpiConversation scpi = new ScpiConversation(new ScpiLaserEmulator(laser));

    @Test
    void itIdentifiesItselfInTheFourFieldsOfIeee4882() {
        assertEquals("QKD-Bench,SCPI-LASER-EMU,0001,1.0", scpi.ask("*IDN?"));
        assertEquals("1", scpi.ask("*OPC?"));
    }

    @Test
    void settingsAreAnsweredInNr3AndBooleansAsOneOrZero() {
        assertEquals("", scpi.ask("SOUR:WAV 1310"));
        assertEquals("+1.310000000E+03", scpi.ask("SOUR:WAV?"));
        assertEquals("", scpi.ask("OUTP ON"));
        assertEquals("1", scpi.ask("OUTP?"));
        assertEquals("0,\"No error\"", scpi.ask("SYST:ERR?"));
        assertEquals(1310, laser.wavelengthNm());
        assertTrue(laser.on());
    }

    @Test
    void headersMatchInShortOrLongFormAnyCaseWithOptionalNodesLeftOut() {
        scpi.ask("source:wavelength 1549.5");
        assertEquals(1549.5, laser.wavelengthNm());
        scpi.ask(":WAV 1551");
        assertEquals(1551, laser.wavelengthNm());
        scpi.ask("OUTPut:STATe 1");
        assertTrue(laser.on());
        scpi.ask("SOUR:PULS:FREQ 2.5E8");
        assertEquals(2.5e8, laser.pulseHz());
        assertEquals("+2.500000000E+08", scpi.ask("PULSE:FREQUENCY?"));
        assertEquals("0,\"No error\"", scpi.ask("SYSTEM:ERROR:NEXT?"));
    }

    @Test
    void aCarriageReturnBeforeTheLineFeedAndBytesSplitAcrossReadsAreAccepted() {
        assertEquals("", scpi.send("SOUR:PO"));
        assertEquals("", scpi.send("W -3.5\r"));
        assertEquals("+0.000000000E+00\n", scpi.send("\nOUTP:ATT?\r\n"));
        assertEquals(-3.5, laser.powerDbm());
    }

    @Test
    void unitsOfOneMessageAreAnsweredJoinedBySemicolons() {
        assertEquals("+1.550000000E+03;0", scpi.ask("SOUR:WAV?;:OUTP?"));
    }

    @Test
    void aValueOutOfRangeIsRefusedWithMinus222AndChangesNothing() {
        scpi.ask("SOUR:WAV 2000");
        assertEquals(1550, laser.wavelengthNm());
        assertEquals("-222,\"Data out of range;SOUR:WAV 2000 not in 1260 to 1625 nm\"", scpi.ask("SYST:ERR?"));
        assertEquals("0,\"No error\"", scpi.ask("SYST:ERR?"));
        scpi.ask("SOUR:PULS:FREQ 20E9");
        assertTrue(scpi.ask("SYST:ERR?").startsWith("-222,"));
    }

    @Test
    void anUnknownHeaderIsMinus113AndAQueryOfItIsNotAnswered() {
        assertEquals("", scpi.ask("SOUR:FOO?"));
        scpi.ask("*XYZ");
        assertEquals("-113,\"Undefined header;SOUR:FOO?\"", scpi.ask("SYST:ERR?"));
        assertEquals("-113,\"Undefined header;*XYZ\"", scpi.ask("SYST:ERR?"));
    }

    @Test
    void aMissingOrNonNumericParameterIsReported() {
        scpi.ask("SOUR:WAV");
        scpi.ask("SOUR:WAV fifteen");
        scpi.ask("OUTP MAYBE");
        assertEquals("-109,\"Missing parameter;SOUR:WAV\"", scpi.ask("SYST:ERR?"));
        assertEquals("-104,\"Data type error;SOUR:WAV expects a number, got fifteen\"", scpi.ask("SYST:ERR?"));
        assertEquals("-104,\"Data type error;OUTP expects ON or OFF, got MAYBE\"", scpi.ask("SYST:ERR?"));
    }

    @Test
    void minAndMaxAreTheRangeLimits() {
        scpi.ask("OUTP:ATT MAX");
        assertEquals(100, laser.attenuationDb());
        scpi.ask("OUTP:ATT min");
        assertEquals(0, laser.attenuationDb());
    }

    @Test
    void aFullErrorQueueEndsInMinus350QueueOverflow() {
        for (int i = 0; i < 40; i++) {
            scpi.ask("NOPE");
        }
        assertEquals(Integer.toString(ScpiErrorQueue.DEFAULT_CAPACITY), scpi.ask("SYST:ERR:COUN?"));
        for (int i = 0; i < ScpiErrorQueue.DEFAULT_CAPACITY - 1; i++) {
            assertTrue(scpi.ask("SYST:ERR?").startsWith("-113,"));
        }
        assertEquals("-350,\"Queue overflow\"", scpi.ask("SYST:ERR?"));
        assertEquals("0,\"No error\"", scpi.ask("SYST:ERR?"));
    }

    @Test
    void anOverlongMessageIsDiscardedUpToItsLineEndWithMinus100() {
        assertEquals("", scpi.send("SOUR:WAV 1" + "0".repeat(ScpiEmulator.MAX_MESSAGE_BYTES) + " junk\n"));
        assertTrue(scpi.ask("SYST:ERR?").startsWith("-100,\"Command error;program message longer than 1024"));
        assertEquals(1550, laser.wavelengthNm());
        assertEquals("1", scpi.ask("*OPC?"));
    }

    @Test
    void clearStatusEmptiesTheQueueAndResetRestoresThePowerOnSettings() {
        scpi.ask("NOPE");
        assertEquals("4", scpi.ask("*STB?"));
        scpi.ask("*CLS");
        assertEquals("0", scpi.ask("*STB?"));
        scpi.ask("OUTP ON;:SOUR:WAV 1310");
        scpi.ask("*RST");
        assertFalse(laser.on());
        assertEquals(1550, laser.wavelengthNm());
        assertEquals(100e6, laser.pulseHz());
    }

    @Test
    void answerWithErrorRefusesEverySettingWithMinus222ButStillAnswersQueries() {
        laser.answerWithError(true);
        scpi.ask("SOUR:WAV 1310");
        assertEquals("+1.550000000E+03", scpi.ask("SOUR:WAV?"));
        assertEquals("-222,\"Data out of range;injected fault: SOUR:WAV 1310\"", scpi.ask("SYST:ERR?"));
        laser.answerWithError(false);
        scpi.ask("SOUR:WAV 1310");
        assertEquals("0,\"No error\"", scpi.ask("SYST:ERR?"));
        assertEquals(1310, laser.wavelengthNm());
    }

    @Test
    void settingsLiveInTheInstrumentNotInTheConnection() {
        scpi.ask("OUTP:ATT 42");
        ScpiConversation second = new ScpiConversation(new ScpiLaserEmulator(laser));
        assertEquals("+4.200000000E+01", second.ask("OUTP:ATT?"));
    }

    @Test
    void theMeanPhotonNumberFollowsPowerAttenuationClockAndWavelength() {
        assertEquals("+0.000000000E+00", scpi.ask("MEAS:PHOT?"), "off");
        // 0 dBm at 1550 nm and 100 MHz: 1 mW / 100 MHz / (hc/λ = 1.2816e-19 J) = 7.80e7 photons per pulse;
        // 88.92 dB more brings it to the 0.1 of a weak decoy
        scpi.ask("OUTP ON");
        assertEquals(7.80e7, laser.meanPhotonNumber(), 0.01e7);
        scpi.ask("OUTP:ATT 88.92");
        assertEquals(0.1, laser.meanPhotonNumber(), 0.001);
    }
}
