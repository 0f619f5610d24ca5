package dev.qkdbench.controller.cli;

import dev.qkdbench.config.Etsi014Config;
import dev.qkdbench.config.Role;
import dev.qkdbench.config.SideConfig;
import dev.qkdbench.controller.api.ApiMetrics;
import dev.qkdbench.controller.daemon.SideDaemon;
import dev.qkdbench.controller.etsi.Etsi014Server;
import dev.qkdbench.controller.etsi.KeyManager;
import java.util.List;
import org.slf4j.Logger;

/** Starts a daemon's ETSI GS QKD 014 server when its config turns key delivery on. */
final class EtsiWiring {
    private EtsiWiring() {
    }

    /** The server started (to close at shutdown), or nothing when {@code [etsi014] port} is 0. */
    static List<AutoCloseable> start(SideConfig side, SideDaemon daemon, ApiMetrics metrics, Logger log) {
        Etsi014Config etsi = side.etsi014();
        if (!etsi.enabled()) {
            return List.of();
        }
        KeyManager kme = new KeyManager(side.role() == Role.ALICE ? KeyManager.ALICE : KeyManager.BOB, etsi.kmeId(),
                etsi.peerKmeId(), daemon.store(), daemon.keyAssignments(), side.postprocessing().keySizeBits(),
                etsi.maxKeysPerRequest(), etsi.maxKeySizeBits());
        Etsi014Server server = Etsi014Server.start(etsi, kme,
                (route, status, nanos) -> metrics.observeRequest("etsi014", route, status, nanos));
        log.info("ETSI GS QKD 014 key delivery on https://{}:{}/api/v1/keys/ (KME {}, mutual TLS)", etsi.host(),
                server.port(), etsi.kmeId());
        return List.of(server);
    }
}
