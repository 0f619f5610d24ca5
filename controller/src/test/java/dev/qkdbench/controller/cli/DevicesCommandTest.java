package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevicesCommandTest {
    record Run(int exitCode, String out, String err) {
    }

    static Run devices(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 1];
        full[0] = "devices";
        System.arraycopy(args, 0, full, 1, args.length);
        return new Run(cl.execute(full), out.toString(), err.toString());
    }

    @Test
    void listsEveryDeviceOfBothSidesOfALinkFile() {
        Run r = devices("--config", SimulateCommandTest.EXAMPLE.toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String name : new String[] {"source", "intensity", "polarization", "choices", "tagger", "det-h", "det-v",
                "det-d", "det-a", "pol"}) {
            assertTrue(r.out().contains(" " + name + " "), name + " missing in\n" + r.out());
        }
        assertTrue(r.out().contains("(not probed)"));
    }

    @Test
    void probingSimulatedDevicesShowsTheirStateAndIdentity() {
        Run r = devices("--config", SimulateCommandTest.EXAMPLE.toString(), "--probe");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        long ready = r.out().lines().filter(l -> l.contains(" READY ")).count();
        assertEquals(10, ready, r.out());
    }

    @Test
    void aDeviceThatCannotBeReachedIsNamedWithItsAddressAndExitCodeThree(@TempDir Path dir) throws Exception {
        String text = Files.readString(SimulateCommandTest.EXAMPLE);
        int at = text.indexOf("name = \"det-v\"");
        int driver = text.indexOf("driver = \"sim\"", at);
        int addressEnd = text.indexOf('\n', text.indexOf("address = ", at));
        // Nothing listens on TCP port 1 of the loopback interface.
        String bad = text.substring(0, driver) + "driver = \"scpi-spad\"\naddress = \"tcp://127.0.0.1:1\""
                + text.substring(addressEnd);
        Path file = dir.resolve("link.toml");
        Files.writeString(file, bad);
        Run r = devices("--config", file.toString(), "--probe");
        assertEquals(3, r.exitCode(), r.out() + r.err());
        String line = r.out().lines().filter(l -> l.contains(" det-v ")).findFirst().orElseThrow();
        assertTrue(line.contains("UNREACHABLE") && line.contains("tcp://127.0.0.1:1"), line);
        assertTrue(r.err().contains("1 device(s) unreachable"), r.err());
    }
}
