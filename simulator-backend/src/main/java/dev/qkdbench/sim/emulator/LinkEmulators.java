package dev.qkdbench.sim.emulator;

import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.drivers.bench.DeviceEmulatorProvider;
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
import java.util.List;

/**
 * The link's devices as a lab would wire them, emulated over real I/O: Alice's laser an SCPI
 * instrument on TCP, her modulators and choice record a transmitter board on TCP; Bob's time tagger
 * a receiver board on a pseudo-terminal (as over USB serial), his four SPADs SCPI instruments on
 * TCP. Bob's polarization controller stays simulated (protocol v1 has no message for it).
 */
public final class LinkEmulators implements DeviceEmulatorProvider {
    @Override
    public EmulatedDevices start(SimulatedBench bench, SideConfig alice, SideConfig bob, Path workDir)
            throws IOException {
        Running running = new Running();
        try {
            SimTransmitterBoard transmitter = running.own(SimTransmitterBoard.onBench(bench.name()));
            String txAddress = running.own(EmulatorEndpoint.tcp(0, transmitter.emulator())).address();
            EmulatedLaser laser = new EmulatedLaser();
            String laserAddress = running.own(EmulatorEndpoint.tcp(0, () -> new ScpiLaserEmulator(laser))).address();
            SimReceiverBoard receiver = running.own(SimReceiverBoard.onBench(bench.name()));
            String rxAddress = running.own(EmulatorEndpoint.pty(workDir, "baud=115200", receiver.emulator())).address();

            List<DeviceConfig> aliceDevices = new ArrayList<>();
            for (DeviceConfig d : alice.devices()) {
                aliceDevices.add(switch (d.kind()) {
                    case PHOTON_SOURCE -> rewire(d, "scpi-laser", laserAddress);
                    case INTENSITY_MODULATOR, POLARIZATION_MODULATOR, CHOICE_SOURCE -> rewire(d, "fw-transmitter",
                            txAddress);
                    default -> d;
                });
            }
            List<DeviceConfig> bobDevices = new ArrayList<>();
            for (DeviceConfig d : bob.devices()) {
                switch (d.kind()) {
                    case TIME_TAGGER -> bobDevices.add(rewire(d, "fw-receiver", rxAddress));
                    case SINGLE_PHOTON_DETECTOR -> {
                        EmulatedSpad spad = new EmulatedSpad();
                        String address = running.own(EmulatorEndpoint.tcp(0, () -> new ScpiSpadEmulator(spad))).address();
                        bobDevices.add(rewire(d, "scpi-spad", address));
                    }
                    default -> bobDevices.add(d);
                }
            }
            running.alice = withDevices(alice, aliceDevices);
            running.bob = withDevices(bob, bobDevices);
            return running;
        } catch (IOException | RuntimeException e) {
            running.close();
            throw e;
        }
    }

    private static DeviceConfig rewire(DeviceConfig d, String driver, String address) {
        return new DeviceConfig(d.name(), d.kind(), driver, address, d.settings(), d.location());
    }

    private static SideConfig withDevices(SideConfig s, List<DeviceConfig> devices) {
        return new SideConfig(s.role(), s.name(), s.protocol(), s.postprocessing(), s.peer(), s.keyStore(), s.http(),
                devices, s.sync(), s.compensation(), s.source());
    }

    private static final class Running implements EmulatedDevices {
        private final List<AutoCloseable> owned = new ArrayList<>();
        private SideConfig alice;
        private SideConfig bob;

        <T extends AutoCloseable> T own(T resource) {
            owned.add(resource);
            return resource;
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
