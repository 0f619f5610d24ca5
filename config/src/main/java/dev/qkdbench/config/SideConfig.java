package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything one controller process needs to run its side of a link. {@code sync} and
 * {@code compensation} only matter on Bob's side (TOML {@code [sync]}, {@code [compensation]});
 * {@code supervision} is how the side watches its devices (TOML {@code [supervision]}).
 */
public record SideConfig(Role role, String name, ProtocolConfig protocol, PostProcessingConfig postprocessing,
                         PeerConfig peer, KeyStoreConfig keyStore, HttpConfig http, List<DeviceConfig> devices,
                         SyncConfig sync, CompensationConfig compensation, SupervisionConfig supervision,
                         Etsi014Config etsi014, DaemonConfig daemon, Path source) {
    public SideConfig {
        devices = List.copyOf(devices);
    }

    /** A side with key delivery off and the daemon's defaults (a side of a link file, or a test's). */
    public SideConfig(Role role, String name, ProtocolConfig protocol, PostProcessingConfig postprocessing,
                      PeerConfig peer, KeyStoreConfig keyStore, HttpConfig http, List<DeviceConfig> devices,
                      SyncConfig sync, CompensationConfig compensation, SupervisionConfig supervision, Path source) {
        this(role, name, protocol, postprocessing, peer, keyStore, http, devices, sync, compensation, supervision,
                Etsi014Config.disabled(name, role == Role.ALICE ? "bob" : "alice"), DaemonConfig.defaults(), source);
    }

    public SideConfig withKeyStore(KeyStoreConfig store) {
        return new SideConfig(role, name, protocol, postprocessing, peer, store, http, devices, sync, compensation,
                supervision, etsi014, daemon, source);
    }

    public SideConfig withPeer(PeerConfig newPeer) {
        return new SideConfig(role, name, protocol, postprocessing, newPeer, keyStore, http, devices, sync,
                compensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withProtocol(ProtocolConfig newProtocol) {
        return new SideConfig(role, name, newProtocol, postprocessing, peer, keyStore, http, devices, sync, compensation,
                supervision, etsi014, daemon, source);
    }

    public SideConfig withPostProcessing(PostProcessingConfig newPostProcessing) {
        return new SideConfig(role, name, protocol, newPostProcessing, peer, keyStore, http, devices, sync,
                compensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withSync(SyncConfig newSync) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices, newSync,
                compensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withCompensation(CompensationConfig newCompensation) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices, sync,
                newCompensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withSupervision(SupervisionConfig newSupervision) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices, sync,
                compensation, newSupervision, etsi014, daemon, source);
    }

    public SideConfig withDevices(List<DeviceConfig> newDevices) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, newDevices, sync,
                compensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withHttp(HttpConfig newHttp) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, newHttp, devices, sync,
                compensation, supervision, etsi014, daemon, source);
    }

    public SideConfig withEtsi014(Etsi014Config newEtsi014) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices, sync,
                compensation, supervision, newEtsi014, daemon, source);
    }

    public SideConfig withDaemon(DaemonConfig newDaemon) {
        return new SideConfig(role, name, protocol, postprocessing, peer, keyStore, http, devices, sync,
                compensation, supervision, etsi014, newDaemon, source);
    }

    /** The devices of one kind, in file order (Bob's four detectors, for instance). */
    public List<DeviceConfig> devicesOfKind(DeviceKind kind) {
        return devices.stream().filter(d -> d.kind() == kind).toList();
    }

    /**
     * The one device of a kind the loader allows only once (every kind but
     * {@link DeviceKind#SINGLE_PHOTON_DETECTOR}), if configured.
     */
    public Optional<DeviceConfig> device(DeviceKind kind) {
        return devices.stream().filter(d -> d.kind() == kind).findFirst();
    }
}
