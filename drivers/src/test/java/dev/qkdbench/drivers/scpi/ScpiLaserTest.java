package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code scpi-laser} driver's exact bytes, against a mocked transport. */
class ScpiLaserTest {
    private static final String IDN = "QKD-Bench,SCPI-LASER,0001,1.0";
    /** What the driver sends on connect before applying settings. */
    private static final List<String> CONNECT = List.of("*IDN?\n", "*CLS\n", "OUTP?\n", "SOUR:WAV?\n", "SOUR:POW?\n",
            "OUTP:ATT?\n", "SOUR:PULS:FREQ?\n");

    private final ScriptedTransport link = new ScriptedTransport();

    /** Replies to {@link #CONNECT}: off, 1550 nm, 0 dBm, 0 dB, 100 MHz, in NR3 as instruments answer. */
    private ScriptedTransport instrumentAnswersReadBack() {
        return link.reply(IDN, "0", "+1.550000000E+03", "+0.000000000E+00", "+0.000000000E+00", "+1.000000000E+08");
    }

    private ScpiLaser connect(Map<String, Object> settings) {
        ScpiLaserSettings parsed = ScpiLaserSettings.from(DeviceConfigs.settings("laser", settings));
        return ScpiInstrument.connected(new ScpiLaser("laser", link.mock, parsed, link.clock()));
    }

    @Test
    void onConnectItIdentifiesClearsReadsBackAndAppliesEachSettingWithErrorDrainAndReadBack() {
        instrumentAnswersReadBack()
                .noError().reply("+1.549990000E+03")
                .noError().reply("+3.000000000E+01");
        ScpiLaser laser = connect(Map.of("wavelength_nm", 1549.99, "attenuation_db", 30L));

        List<String> expected = new ArrayList<>(CONNECT);
        expected.addAll(List.of("SOUR:WAV 1549.99\n", "SYST:ERR?\n", "SOUR:WAV?\n",
                "OUTP:ATT 30\n", "SYST:ERR?\n", "OUTP:ATT?\n"));
        assertEquals(expected, link.written());
        assertTrue(link.consumed());
        assertEquals(DeviceState.READY, laser.state());
        assertEquals(IDN, laser.identity());
        assertEquals(1549.99, laser.wavelengthNm(), 1e-9);
        assertEquals(30, laser.attenuationDb());
        assertEquals(0, laser.powerDbm());
        assertEquals(1e8, laser.clockRateHz());
        assertFalse(laser.emitting());
    }

    @Test
    void withoutSettingsItOnlyReadsBack() {
        instrumentAnswersReadBack();
        connect(Map.of());
        assertEquals(CONNECT, link.written());
    }

    @Test
    void theClockIsSetCheckedForErrorsAndReadBack() {
        instrumentAnswersReadBack().noError().reply("+2.500000000E+08");
        ScpiLaser laser = connect(Map.of());
        laser.setClockRateHz(250e6);
        assertEquals(List.of("SOUR:PULS:FREQ 250000000\n", "SYST:ERR?\n", "SOUR:PULS:FREQ?\n"),
                link.writtenAfter(CONNECT.size()));
        assertEquals(250e6, laser.clockRateHz());
    }

    @Test
    void aClockOutsideOneKilohertzToTenGigahertzIsRejectedBeforeAnythingIsSent() {
        instrumentAnswersReadBack();
        ScpiLaser laser = connect(Map.of());
        for (double hz : new double[] {999, 10.1e9, Double.NaN, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> laser.setClockRateHz(hz));
            assertTrue(e.getMessage().startsWith("laser: SOUR:PULS:FREQ must be 1000 to 10000000000 Hz, was "),
                    e.getMessage());
        }
        assertEquals(CONNECT, link.written());
        assertEquals(DeviceState.READY, laser.state());
    }

    @Test
    void theOutputIsSwitchedAndReadBack() {
        instrumentAnswersReadBack().noError().reply("1").noError().reply("0");
        ScpiLaser laser = connect(Map.of());
        laser.setEmitting(true);
        assertTrue(laser.emitting());
        laser.setEmitting(false);
        assertEquals(List.of("OUTP ON\n", "SYST:ERR?\n", "OUTP?\n", "OUTP OFF\n", "SYST:ERR?\n", "OUTP?\n"),
                link.writtenAfter(CONNECT.size()));
        assertFalse(laser.emitting());
    }

    @Test
    void aRefusedSettingIsAFaultNamingTheDeviceTheCommandAndTheError() {
        instrumentAnswersReadBack().reply("-222,\"Data out of range\"").noError();
        ScpiLaser laser = connect(Map.of());
        ScpiRefusedException e = assertThrows(ScpiRefusedException.class, () -> laser.setAttenuationDb(40));
        assertEquals("laser: 'OUTP:ATT 40' refused by the instrument at " + ScriptedTransport.ADDRESS
                + ": -222,\"Data out of range\"", e.getMessage());
        assertEquals(DeviceState.FAULT, laser.state());
        assertEquals(0, laser.attenuationDb(), "the value read back before stays");
    }

    @Test
    void aSettingThatReadsBackDifferentIsAFault() {
        instrumentAnswersReadBack().noError().reply("+5.000000000E+00");
        ScpiLaser laser = connect(Map.of());
        ScpiReplyException e = assertThrows(ScpiReplyException.class, () -> laser.setPowerDbm(3));
        assertEquals("laser: 'SOUR:POW 3' accepted but 'SOUR:POW?' reads back 5 dBm", e.getMessage());
        assertEquals(DeviceState.FAULT, laser.state());
    }

    @Test
    void aMalformedReadBackOnConnectIsReportedNotThrownAsNumberFormatException() {
        link.reply(IDN, "0", "15S0.0");
        DeviceException e = assertThrows(DeviceException.class, () -> connect(Map.of()));
        assertInstanceOf(ScpiReplyException.class, e);
        assertEquals("laser: 'SOUR:WAV?' answered '15S0.0', expected a number", e.getMessage());
        verify(link.mock).close();
    }

    @Test
    void aLostLinkIsDisconnectedAndTheNextRequestReconnectsReadsBackAndReappliesWhatWasSet() throws Exception {
        instrumentAnswersReadBack()
                .noError().reply("+2.500000000E+08")       // setClockRateHz(250 MHz)
                .peerCloses();                              // setEmitting(true): OUTP ON, SYST:ERR? -> closed
        ScpiLaser laser = connect(Map.of());
        laser.setClockRateHz(250e6);
        ScpiLinkException lost = assertThrows(ScpiLinkException.class, () -> laser.setEmitting(true));
        assertTrue(lost.getMessage().contains("closed by the instrument while waiting for the reply to 'SYST:ERR?'"),
                lost.getMessage());
        assertEquals(DeviceState.DISCONNECTED, laser.state());
        int before = link.written().size();

        // the instrument was power-cycled: it comes back with its reset clock; the exchange that
        // failed leaves the stream out of step, so the reconnect resynchronizes before '*IDN?'
        link.silence().reply("1;1");
        instrumentAnswersReadBack().noError().reply("+2.500000000E+08").noError().reply("1");
        laser.setEmitting(true);

        verify(link.mock, times(2)).open();
        List<String> expected = new ArrayList<>(List.of("*OPC?;*OPC?\n"));
        expected.addAll(CONNECT);
        expected.addAll(List.of("SOUR:PULS:FREQ 250000000\n", "SYST:ERR?\n", "SOUR:PULS:FREQ?\n",
                "OUTP ON\n", "SYST:ERR?\n", "OUTP?\n"));
        assertEquals(expected, link.writtenAfter(before));
        assertEquals(DeviceState.READY, laser.state());
        assertEquals(250e6, laser.clockRateHz());
        assertTrue(laser.emitting());
        assertEquals(1, laser.resynchronizations());
        assertEquals(0, laser.staleLinesDiscarded());
    }

    @Test
    void aSilentInstrumentTimesOutNamingTheCommand() {
        link.reply(IDN);
        ScpiLaserSettings fast = ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("timeout_ms", 30L)));
        ScpiLinkException e = assertThrows(ScpiLinkException.class,
                () -> ScpiInstrument.connected(new ScpiLaser("laser", link.mock, fast, link.clock())));
        assertEquals("laser: no reply to 'OUTP?' from " + ScriptedTransport.ADDRESS + " within 30 ms", e.getMessage());
    }

    @Test
    void settingsAreCheckedWithTheirUnitsWhereTheyWereWritten() {
        ConfigException wavelength = assertThrows(ConfigException.class,
                () -> ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("wavelength_nm", 2000L))));
        assertEquals("alice.toml:20: devices.laser.wavelength_nm: expected 1260 to 1625 nm, found 2000 nm",
                wavelength.getMessage());
        ConfigException power = assertThrows(ConfigException.class,
                () -> ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("power_dbm", 25.5))));
        assertEquals("alice.toml:20: devices.laser.power_dbm: expected -30 to 20 dBm, found 25.5 dBm",
                power.getMessage());
        ConfigException attenuation = assertThrows(ConfigException.class,
                () -> ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("attenuation_db", "30 dB"))));
        assertEquals("alice.toml:20: devices.laser.attenuation_db: expected a number, found 30 dB",
                attenuation.getMessage());
        ConfigException typo = assertThrows(ConfigException.class,
                () -> ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("wavelenght_nm", 1550L))));
        assertTrue(typo.getMessage().startsWith("alice.toml:20: devices.laser.wavelenght_nm: driver 'scpi-laser' "
                + "has no setting 'wavelenght_nm'; its settings: attenuation_db, power_dbm, timeout_ms, wavelength_nm"),
                typo.getMessage());
        ConfigException timeout = assertThrows(ConfigException.class,
                () -> ScpiLaserSettings.from(DeviceConfigs.settings("laser", Map.of("timeout_ms", 0L))));
        assertTrue(timeout.getMessage().contains("timeout_ms"), timeout.getMessage());
    }

    @Test
    void aBadAddressIsAConfigErrorAtTheAddress() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ScpiLaserProvider().open(DeviceConfigs.laser("tcp://bench-laser", Map.of())));
        assertTrue(e.getMessage().startsWith("alice.toml:13: devices.laser.address: tcp://bench-laser: missing port"),
                e.getMessage());
    }

    @Test
    void aClosedLaserRefusesRequests() {
        instrumentAnswersReadBack();
        ScpiLaser laser = connect(Map.of());
        laser.close();
        assertEquals(DeviceState.DISCONNECTED, laser.state());
        DeviceException e = assertThrows(DeviceException.class, () -> laser.setEmitting(true));
        assertEquals("laser: closed; open the device again", e.getMessage());
    }
}
