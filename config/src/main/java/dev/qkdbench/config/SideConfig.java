package dev.qkdbench.config;

import java.nio.file.Path;
import java.util.List;

/** Everything one controller process needs to run its side of a link. */
public record SideConfig(Role role, String name, ProtocolConfig protocol, PostProcessingConfig postprocessing,
                         PeerConfig peer, KeyStoreConfig keyStore, HttpConfig http, List<DeviceConfig> devices,
                         Path source) {
    public SideConfig {
        devices = List.copyOf(devices);
    }

    public SideConfig withKeyStore(KeyStoreConfig store) {
        return new SideConfig(role, name, protocol, postprocessing, peer, store, http, devices, source);
    }

    public SideConfig withPeer(PeerConfig newPeer) {
        return new SideConfig(role, name, protocol, postprocessing, newPeer, keyStore, http, devices, source);
    }
}
