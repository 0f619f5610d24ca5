package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.config.DaemonConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shipped template unit {@code config/systemd/qkd-bench@.service}, read as systemd reads it. */
class SystemdUnitTest {
    static final Path UNIT = Path.of("..", "config", "systemd", "qkd-bench@.service");

    /** Section name, then directive, then every value it was given (in file order). */
    static Map<String, Map<String, List<String>>> unit;

    @BeforeAll
    static void parse() throws IOException {
        unit = parse(Files.readAllLines(UNIT));
    }

    /**
     * systemd.syntax(7), as much as this file needs: {@code [Section]} headers, {@code Key=Value}
     * lines, {@code #} and {@code ;} comments, repeated keys accumulating.
     */
    static Map<String, Map<String, List<String>>> parse(List<String> lines) {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        Map<String, List<String>> current = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            assertTrue(eq > 0 && current != null, UNIT + ":" + (i + 1) + ": expected Key=Value in a section, found "
                    + line);
            assertFalse(line.endsWith("\\"), UNIT + ":" + (i + 1) + ": continuation lines are not expected");
            current.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
                    .add(line.substring(eq + 1).strip());
        }
        return sections;
    }

    static String one(String section, String key) {
        List<String> values = unit.getOrDefault(section, Map.of()).get(key);
        assertTrue(values != null, "[" + section + "] " + key + "= missing in " + UNIT);
        assertEquals(1, values.size(), "[" + section + "] " + key + "= given more than once: " + values);
        return values.get(0);
    }

    @Test
    void runsTheDaemonOfTheInstancesSideFileAsANotifyServiceWithAWatchdog() {
        assertEquals("/opt/qkd-bench/qkd-bench daemon --config /etc/qkd-bench/%i.toml", one("Service", "ExecStart"));
        assertEquals("notify", one("Service", "Type"));
        assertEquals("main", one("Service", "NotifyAccess"));
        assertEquals("30", one("Service", "WatchdogSec"));
        assertEquals("on-failure", one("Service", "Restart"));
        assertEquals("5", one("Service", "RestartSec"));
        assertEquals("2", one("Service", "RestartPreventExitStatus"), "a bad config (exit 2) must not loop");
        assertEquals("SIGTERM", one("Service", "KillSignal"));
        assertEquals("multi-user.target", one("Install", "WantedBy"));
    }

    @Test
    void startAndStopTimeoutsCoverThePeerDeadlineAndTheShutdownGrace() {
        Duration start = Duration.ofSeconds(Long.parseLong(one("Service", "TimeoutStartSec")));
        Duration stop = Duration.ofSeconds(Long.parseLong(one("Service", "TimeoutStopSec")));
        DaemonConfig defaults = DaemonConfig.defaults();
        assertTrue(start.compareTo(defaults.peerConnectDeadline().multipliedBy(2)) >= 0,
                "TimeoutStartSec " + start + " leaves too little beyond the peer deadline " + defaults.peerConnectDeadline());
        assertTrue(stop.compareTo(defaults.shutdownGrace().multipliedBy(2)) >= 0,
                "TimeoutStopSec " + stop + " leaves too little beyond the shutdown grace " + defaults.shutdownGrace());
    }

    @Test
    void runsUnprivilegedWithSerialPortsOnly() {
        assertEquals("qkd-bench", one("Service", "User"));
        assertEquals("dialout", one("Service", "SupplementaryGroups"));
        assertEquals("closed", one("Service", "DevicePolicy"));
        assertEquals(List.of("char-ttyUSB rw", "char-ttyACM rw"), unit.get("Service").get("DeviceAllow"));
        assertEquals("", one("Service", "CapabilityBoundingSet"));
    }

    @Test
    void isSandboxedWithOnlyTheKeyStoreFolderWritable() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("NoNewPrivileges", "yes");
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("ReadWritePaths", "/var/lib/qkd-bench");
        expected.put("StateDirectory", "qkd-bench");
        expected.put("StateDirectoryMode", "0700");
        expected.put("UMask", "0077");
        expected.put("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK");
        expected.put("LockPersonality", "yes");
        expected.put("ProtectKernelTunables", "yes");
        expected.put("ProtectControlGroups", "yes");
        expected.put("SystemCallArchitectures", "native");
        expected.forEach((key, value) -> assertEquals(value, one("Service", key), key));
        assertFalse(unit.get("Service").containsKey("MemoryDenyWriteExecute"), "the JIT needs W+X memory");
    }

    @Test
    void logsGoToTheJournalUnderTheSidesIdentifier() {
        assertEquals("journal", one("Service", "StandardOutput"));
        assertEquals("qkd-bench-%i", one("Service", "SyslogIdentifier"));
        List<String> environment = unit.get("Service").get("Environment");
        assertTrue(environment.stream().anyMatch(e -> e.startsWith("\"QKD_BENCH_JAVA_OPTS=") && e.endsWith("\"")
                && e.contains("-Xmx")), "QKD_BENCH_JAVA_OPTS, quoted (it holds spaces): " + environment);
        assertTrue(environment.contains("QKD_BENCH_LOG_LEVEL=INFO"), environment.toString());
    }
}
