package dev.qkdbench.controller.link;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.config.DeviceConfig;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.Device;
import dev.qkdbench.drivers.DriverRegistry;
import dev.qkdbench.drivers.IntensityModulator;
import dev.qkdbench.drivers.PhotonSource;
import dev.qkdbench.drivers.PolarizationController;
import dev.qkdbench.drivers.PolarizationModulator;
import dev.qkdbench.drivers.SinglePhotonDetector;
import dev.qkdbench.drivers.TimeTagger;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens one side's devices through their drivers and brings them to the protocol's settings, the
 * same way for {@code simulate} (both sides in one process) and {@code daemon} (one side).
 */
public final class SideDevices {
    private SideDevices() {
    }

    /** Bob's devices by role. */
    public record Bob(TimeTagger tagger, List<SinglePhotonDetector> detectors, PolarizationController polarization) {
    }

    /**
     * Opens Alice's devices (adding each to {@code opened} as it opens, so a failure part-way still
     * lets the caller close what opened), sets the clock, intensities and basis choice, and starts
     * the source emitting.
     *
     * @return her choice source
     * @throws ConfigException when no device is a choice source
     */
    public static ChoiceSource openAlice(SideConfig alice, DriverRegistry registry, List<Device> opened) {
        ChoiceSource choices = null;
        List<Device> mine = new ArrayList<>();
        for (DeviceConfig dc : alice.devices()) {
            Device d = registry.open(dc);
            opened.add(d);
            mine.add(d);
            if (d instanceof PhotonSource s) {
                s.setClockRateHz(alice.protocol().clockHz());
            }
            if (d instanceof IntensityModulator im) {
                im.setIntensities(alice.protocol().intensities());
            }
            if (d instanceof PolarizationModulator pm) {
                pm.setKeyBasisProbability(alice.protocol().keyBasisProbability());
            }
            if (d instanceof ChoiceSource c) {
                choices = c;
            }
        }
        if (choices == null) {
            throw new ConfigException(alice.devices().isEmpty() ? null : alice.devices().get(0).location(),
                    "devices", "Alice needs a choice_source");
        }
        setEmitting(mine, true);
        return choices;
    }

    /** Turns every photon source among {@code devices} on or off. */
    public static void setEmitting(List<? extends Device> devices, boolean on) {
        for (Device d : devices) {
            if (d instanceof PhotonSource s) {
                s.setEmitting(on);
            }
        }
    }

    /**
     * Opens Bob's devices, adding each to {@code opened} as it opens.
     *
     * @throws ConfigException when no device is a time tagger
     */
    public static Bob openBob(SideConfig bob, DriverRegistry registry, List<Device> opened) {
        TimeTagger tagger = null;
        PolarizationController polarization = null;
        List<SinglePhotonDetector> detectors = new ArrayList<>();
        for (DeviceConfig dc : bob.devices()) {
            Device d = registry.open(dc);
            opened.add(d);
            if (d instanceof TimeTagger t) {
                tagger = t;
            } else if (d instanceof SinglePhotonDetector det) {
                detectors.add(det);
            } else if (d instanceof PolarizationController pc) {
                polarization = pc;
            }
        }
        if (tagger == null) {
            throw new ConfigException(bob.devices().isEmpty() ? null : bob.devices().get(0).location(),
                    "devices", "Bob needs a time_tagger");
        }
        return new Bob(tagger, List.copyOf(detectors), polarization);
    }
}
