package dev.qkdbench.sim.emulator;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.DeviceSettings;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.drivers.bench.DeviceEmulatorProvider;
import dev.qkdbench.drivers.bench.EmulatorFaults;
import dev.qkdbench.drivers.bench.SimulatedBench;
import dev.qkdbench.sim.emulator.firmware.SimReceiverBoard;
import dev.qkdbench.sim.emulator.firmware.SimTransmitterBoard;
import dev.qkdbench.sim.emulator.scpi.EmulatedLaser;
import dev.qkdbench.sim.emulator.scpi.EmulatedSpad;
import dev.qkdbench.sim.emulator.scpi.ScpiLaserEmulator;
import dev.qkdbench.sim.emulator.scpi.ScpiSpadEmulator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The link's devices as a lab would wire them, emulated over real I/O: Alice's laser an SCPI
 * instrument on TCP, her modulators and choice record a transmitter board on TCP; Bob's time tagger
 * a receiver board on a pseudo-terminal (as over USB serial), his four SPADs SCPI instruments on
 * TCP. Bob's polarization controller stays simulated (protocol v1 has no message for it).
 */
public final class LinkEmulators implements DeviceEmulatorProvider {
    /**
     * Tag batches the host buffers, and tags per batch. A real board streams in real time and the
     * host's queue covers a fraction of a second; the emulated board streams as fast as the host
     * takes tags, so any queue fills, and 256 batches of 2^14 tags would put seconds of stream
     * between the bench and Bob. Whatever Bob does to the bench (a fault's effect, a polarization
     * correction) would then reach his data that much later: the compensation loop, which
     * corrects every 10 frames (0.1 s at 100 MHz), went unstable with 0.17 s of stream in flight.
     * 4 batches of 2^12 tags keep under 0.01 s in flight at the default bench.
     */
    static final int TAG_QUEUE_BATCHES = 4;
    static final int BATCH_TAGS = 1 << 12;

    @Override
    public EmulatedDevices start(SimulatedBench bench, SideConfig alice, SideConfig bob, Path workDir)
            throws IOException {
        Running running = new Running();
        try {
            // Only the instruments some device of either side uses are started: a daemon runs one
            // side, and passes the other with no devices.
            EmulatorEndpoint txEndpoint = null;
            EmulatorEndpoint laserEndpoint = null;
            List<DeviceConfig> aliceDevices = new ArrayList<>();
            for (DeviceConfig d : alice.devices()) {
                switch (d.kind()) {
                    case PHOTON_SOURCE -> {
                        if (laserEndpoint == null) {
                            EmulatedLaser laser = new EmulatedLaser();
                            laserEndpoint = running.own(EmulatorEndpoint.tcp(0, () -> new ScpiLaserEmulator(laser)));
                        }
                        aliceDevices.add(running.rewire(d, "scpi-laser", laserEndpoint));
                    }
                    case INTENSITY_MODULATOR, POLARIZATION_MODULATOR, CHOICE_SOURCE -> {
                        if (txEndpoint == null) {
                            SimTransmitterBoard transmitter = running.own(SimTransmitterBoard.onBench(bench.name()));
                            txEndpoint = running.own(EmulatorEndpoint.tcp(0, transmitter.emulator()));
                        }
                        aliceDevices.add(running.rewire(d, "fw-transmitter", txEndpoint));
                    }
                    default -> aliceDevices.add(d);
                }
            }
            EmulatorEndpoint rxEndpoint = null;
            List<DeviceConfig> bobDevices = new ArrayList<>();
            for (DeviceConfig d : bob.devices()) {
                switch (d.kind()) {
                    case TIME_TAGGER -> {
                        if (rxEndpoint == null) {
                            SimReceiverBoard receiver = running.own(SimReceiverBoard.onBench(bench.name(), BATCH_TAGS));
                            rxEndpoint = running.own(EmulatorEndpoint.pty(workDir, "baud=115200", receiver.emulator()));
                        }
                        bobDevices.add(running.rewire(withDefault(d, "queue_batches", (long) TAG_QUEUE_BATCHES),
                                "fw-receiver", rxEndpoint));
                    }
                    case SINGLE_PHOTON_DETECTOR -> {
                        EmulatedSpad spad = new EmulatedSpad();
                        EmulatorEndpoint endpoint = running.own(EmulatorEndpoint.tcp(0, () -> new ScpiSpadEmulator(spad)));
                        bobDevices.add(running.rewire(d, "scpi-spad", endpoint));
                    }
                    default -> bobDevices.add(d);
                }
            }
            running.alice = alice.withDevices(aliceDevices);
            running.bob = bob.withDevices(bobDevices);
            return running;
        } catch (IOException | RuntimeException e) {
            running.close();
            throw e;
        }
    }

    /** The device with {@code key} set to {@code value} unless its config sets it. */
    private static DeviceConfig withDefault(DeviceConfig d, String key, Object value) {
        if (d.settings().has(key)) {
            return d;
        }
        Map<String, Object> values = new HashMap<>(d.settings().values());
        values.put(key, value);
        DeviceSettings s = new DeviceSettings(d.settings().keyPrefix(), values, d.settings().locations(),
                d.settings().tableLocation());
        return new DeviceConfig(d.name(), d.kind(), d.driver(), d.address(), s, d.location());
    }

    private static final class Running implements EmulatedDevices {
        private final List<AutoCloseable> owned = new ArrayList<>();
        private final Map<String, EmulatorEndpoint> endpointOf = new HashMap<>();
        private SideConfig alice;
        private SideConfig bob;

        <T extends AutoCloseable> T own(T resource) {
            owned.add(resource);
            return resource;
        }

        /** The device, now driven by {@code driver} at the endpoint's address. */
        DeviceConfig rewire(DeviceConfig d, String driver, EmulatorEndpoint endpoint) {
            endpointOf.put(d.name(), endpoint);
            return new DeviceConfig(d.name(), d.kind(), driver, endpoint.address(), d.settings(), d.location());
        }

        @Override
        public EmulatorFaults faults(String deviceName) {
            EmulatorEndpoint endpoint = endpointOf.get(deviceName);
            if (endpoint == null) {
                throw new IllegalArgumentException("no emulator serves a device named '" + deviceName
                        + "'; emulated: " + new TreeSet<>(endpointOf.keySet()));
            }
            return endpoint;
        }

        @Override
        public SideConfig alice() {
            return alice;
        }

        @Override
        public SideConfig bob() {
            return bob;
        }

        @Override
        public void close() {
            // Endpoints first (they were opened after their boards), then the boards.
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    // Closing is best effort: the run is over.
                }
            }
            owned.clear();
        }
    }
}
