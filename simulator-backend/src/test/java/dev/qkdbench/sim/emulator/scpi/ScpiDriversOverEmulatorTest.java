package dev.qkdbench.sim.emulator.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.ConfigLocation;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceKind;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.DeviceState;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.scpi.ScpiLaser;
import dev.qkdbench.drivers.scpi.ScpiLinkException;
import dev.qkdbench.drivers.scpi.ScpiRefusedException;
import dev.qkdbench.drivers.scpi.ScpiReplyException;
import dev.qkdbench.drivers.scpi.ScpiSpad;
import dev.qkdbench.sim.emulator.ByteStreamHandler;
import dev.qkdbench.sim.emulator.EmulatorEndpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real {@code scpi-laser} and {@code scpi-spad} drivers, found through the registry, against
 * their emulators over real I/O; the subclasses choose the transport.
 */
@Timeout(60)
abstract class ScpiDriversOverEmulatorTest {
    private static final Path FILE = Path.of("alice.toml");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final DriverRegistry registry = DriverRegistry.fromClassPath();
    private final EmulatedLaser emulatedLaser = new EmulatedLaser("4711");
    private final EmulatedSpad emulatedSpad = new EmulatedSpad();
    private EmulatorEndpoint endpoint;
    private AutoCloseable device;

    /** Serves the handlers over this test's transport. */
    abstract EmulatorEndpoint serve(Supplier<ByteStreamHandler> handlers) throws IOException;

    @AfterEach
    void closeAll() throws Exception {
        if (device != null) {
            device.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private static DeviceConfig config(String name, DeviceKind kind, String driver, String address,
                                       Map<String, Object> settings) {
        Map<String, ConfigLocation> where = new HashMap<>();
        settings.keySet().forEach(k -> where.put(k, new ConfigLocation(FILE, 21)));
        return new DeviceConfig(name, kind, driver, address,
                new DeviceSettings("devices." + name, settings, where, new ConfigLocation(FILE, 10)),
                new ConfigLocation(FILE, 12));
    }

    private ScpiLaser openLaser(Map<String, Object> settings) throws IOException {
        if (endpoint == null) {
            endpoint = serve(() -> new ScpiLaserEmulator(emulatedLaser));
        }
        ScpiLaser laser = (ScpiLaser) registry.open(config("laser", DeviceKind.PHOTON_SOURCE, "scpi-laser",
                endpoint.address(), settings), PhotonSource.class);
        device = laser;
        return laser;
    }

    private ScpiSpad openSpad(Map<String, Object> settings) throws IOException {
        if (endpoint == null) {
            endpoint = serve(() -> new ScpiSpadEmulator(emulatedSpad));
        }
        ScpiSpad spad = (ScpiSpad) registry.open(config("det-h", DeviceKind.SINGLE_PHOTON_DETECTOR, "scpi-spad",
                endpoint.address(), settings), SinglePhotonDetector.class);
        device = spad;
        return spad;
    }

    @Test
    void theLaserAppliesItsSettingsAndReadsThemBack() throws Exception {
        ScpiLaser laser = openLaser(Map.of("wavelength_nm", 1310L, "power_dbm", -3.5, "attenuation_db", 60L));
        assertEquals("QKD-Bench,SCPI-LASER-EMU,4711,1.0", laser.identity());
        assertEquals(DeviceState.READY, laser.state());
        assertEquals(1310, emulatedLaser.wavelengthNm());
        assertEquals(-3.5, emulatedLaser.powerDbm());
        assertEquals(60, emulatedLaser.attenuationDb());
        assertEquals(1310, laser.wavelengthNm());
        assertEquals(100e6, laser.clockRateHz(), "read back from the instrument");

        laser.setClockRateHz(250e6);
        laser.setEmitting(true);
        assertEquals(250e6, emulatedLaser.pulseHz());
        assertTrue(emulatedLaser.on());
        assertTrue(laser.emitting());
        assertEquals(0, emulatedLaser.errors().size());
    }

    @Test
    void theDetectorAppliesItsSettingsAndMeasures() throws Exception {
        ScpiSpad spad = openSpad(Map.of("polarization", "H", "efficiency", 0.2, "dead_time_ns", 100L,
                "bias_v", 65L));
        assertEquals(0, spad.channel());
        assertEquals(0.2, emulatedSpad.efficiency());
        assertEquals(100, emulatedSpad.deadTimeNs());
        assertEquals(65, emulatedSpad.biasV());
        assertEquals(0.2, spad.efficiency());
        assertEquals(1.2e-6, spad.darkCountProbability(), 1e-15, "p_dc of the bench, scaled with the efficiency");
        assertEquals(223.15, spad.temperatureK(), 1e-6);
        assertTrue(spad.counts() >= 0);
        assertEquals(DeviceState.READY, spad.state());
    }

    @Test
    void afterALostLinkTheDriverReconnectsAndReappliesItsSettingsToAPowerCycledInstrument() throws Exception {
        ScpiLaser laser = openLaser(Map.of("attenuation_db", 60L));
        laser.setClockRateHz(250e6);
        laser.setEmitting(true);

        endpoint.dropConnection();
        emulatedLaser.reset(); // it comes back with its power-on settings
        // the driver may notice the drop on this request or find the link down before it
        try {
            laser.setAttenuationDb(61);
        } catch (ScpiLinkException e) {
            assertEquals(DeviceState.DISCONNECTED, laser.state());
            assertTrue(e.getMessage().startsWith("laser: "), e.getMessage());
            assertTrue(e.getMessage().contains(endpoint.address()), e.getMessage());
        }
        endpoint.restore(); // a new pseudo-terminal pair at the same path; nothing to do for TCP
        laser.setAttenuationDb(61);

        assertEquals(DeviceState.READY, laser.state());
        assertTrue(endpoint.awaitConnections(2, WAIT));
        assertEquals(61, emulatedLaser.attenuationDb());
        assertEquals(250e6, emulatedLaser.pulseHz(), "re-applied after the reconnect");
        assertTrue(emulatedLaser.on(), "re-applied after the reconnect");
    }

    @Test
    void settingsSurviveAReconnectInTheInstrument() throws Exception {
        ScpiSpad spad = openSpad(Map.of("channel", 0L));
        spad.setBiasV(70);
        endpoint.dropConnection();
        endpoint.restore();
        try {
            spad.temperatureK();
        } catch (ScpiLinkException e) {
            // noticed the drop; the next request reconnects
        }
        assertEquals(223.15, spad.temperatureK(), 1e-6);
        assertEquals(70, spad.biasV());
        assertEquals(70, emulatedSpad.biasV());
    }

    @Test
    void aRefusedSettingNamesTheDeviceTheCommandAndTheInstrumentsError() throws Exception {
        ScpiSpad spad = openSpad(Map.of("channel", 0L));
        emulatedSpad.answerWithError(true);
        ScpiRefusedException e = assertThrows(ScpiRefusedException.class, () -> spad.setBiasV(70));
        assertTrue(e.getMessage().startsWith("det-h: 'DET:BIAS 70' refused by the instrument at "
                + endpoint.address() + ": -222,\"Data out of range"), e.getMessage());
        assertEquals(DeviceState.FAULT, spad.state());
        assertEquals(60, emulatedSpad.biasV());

        emulatedSpad.answerWithError(false);
        spad.setBiasV(70);
        assertEquals(DeviceState.READY, spad.state());
    }

    @Test
    void aLaserWhoseSettingsAreRefusedDoesNotOpen() throws Exception {
        emulatedLaser.answerWithError(true);
        DeviceException e = assertThrows(DeviceException.class, () -> openLaser(Map.of("wavelength_nm", 1310L)));
        assertInstanceOf(ScpiRefusedException.class, e);
        assertTrue(e.getMessage().startsWith("laser: 'SOUR:WAV 1310' refused by the instrument at "), e.getMessage());
        assertTrue(e.getMessage().contains("-222"), e.getMessage());
    }

    @Test
    void aStalledInstrumentTimesOutNamingTheCommandAndRecoversOnceItAnswersAgain() throws Exception {
        ScpiSpad spad = openSpad(Map.of("channel", 0L, "timeout_ms", 1000L));
        endpoint.stall(true);
        ScpiLinkException e = assertThrows(ScpiLinkException.class, spad::temperatureK);
        assertEquals("det-h: no reply to 'DET:TEMP?' from " + endpoint.address() + " within 1000 ms", e.getMessage());
        assertEquals(DeviceState.DISCONNECTED, spad.state());

        // A pseudo-terminal keeps the stalled exchange's late reply across the reconnect, racing it;
        // the session resynchronizes before '*IDN?' so the reply is discarded wherever it lands.
        endpoint.stall(false);
        assertEquals(223.15, spad.temperatureK(), 1e-6,
                "late replies of the stalled exchange are not taken for this one");
        assertEquals(DeviceState.READY, spad.state());
        assertEquals(1, spad.resynchronizations());
        assertTrue(spad.staleLinesDiscarded() <= 1, "at most the one late reply: " + spad.staleLinesDiscarded());
    }

    @Test
    void aStalledSettingNamesTheSettingInTheTimeout() throws Exception {
        ScpiLaser laser = openLaser(Map.of("timeout_ms", 1000L));
        endpoint.stall(true);
        ScpiLinkException e = assertThrows(ScpiLinkException.class, () -> laser.setAttenuationDb(20));
        assertTrue(e.getMessage().startsWith("laser: no reply to 'SYST:ERR?' from " + endpoint.address()
                + " within 1000 ms, checking 'OUTP:ATT 20'"), e.getMessage());
        endpoint.stall(false);
    }

    @Test
    void aCorruptedReplyIsReportedWithTheCommandAndTheReplyNotThrownAsNumberFormatException() throws Exception {
        ScpiSpad spad = openSpad(Map.of("channel", 0L));
        // "+6.000000000E-07" arrives as "kv.000000000E-07": the first two bytes with bit 6 flipped
        endpoint.corruptNext(2, 0x40);
        ScpiReplyException e = assertThrows(ScpiReplyException.class, spad::darkCountProbability);
        assertEquals("det-h: 'DET:DARK?' answered 'kv.000000000E-07', expected a number", e.getMessage());
        assertEquals(DeviceState.FAULT, spad.state());
        assertEquals(6e-7, spad.darkCountProbability(), 1e-15);
        assertEquals(1, spad.resynchronizations(), "on the open link, before asking again");
    }
}
