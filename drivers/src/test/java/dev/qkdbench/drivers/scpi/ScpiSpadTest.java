package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.qkdbench.config.ConfigException;
import dev.qkdbench.drivers.DeviceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code scpi-spad} driver's exact bytes, against a mocked transport. */
class ScpiSpadTest {
    private static final String IDN = "QKD-Bench,SCPI-SPAD,0007,2.1";
    private static final List<String> CONNECT = List.of("*IDN?\n", "*CLS\n", "DET:EFF?\n", "DET:DEAD?\n",
            "DET:BIAS?\n");

    private final ScriptedTransport link = new ScriptedTransport();

    /** Replies to {@link #CONNECT}: 10 %, 50 ns, 60 V. */
    private ScriptedTransport instrumentAnswersReadBack() {
        return link.reply(IDN, "+1.000000000E-01", "+5.000000000E+01", "+6.000000000E+01");
    }

    private ScpiSpad connect(Map<String, Object> settings) {
        ScpiSpadSettings parsed = ScpiSpadSettings.from(DeviceConfigs.settings("det-h", settings));
        return ScpiInstrument.connected(new ScpiSpad("det-h", link.mock, parsed, link.clock()));
    }

    @Test
    void onConnectItReadsBackThenAppliesEfficiencyDeadTimeAndBiasEachWithErrorDrainAndReadBack() {
        instrumentAnswersReadBack()
                .noError().reply("+2.000000000E-01")
                .noError().reply("+1.000000000E+04")
                .noError().reply("+6.250000000E+01");
        ScpiSpad spad = connect(Map.of("channel", 2L, "efficiency", 0.2, "dead_time_ns", 10_000L, "bias_v", 62.5));

        List<String> expected = new ArrayList<>(CONNECT);
        expected.addAll(List.of("DET:EFF 0.2\n", "SYST:ERR?\n", "DET:EFF?\n",
                "DET:DEAD 10000\n", "SYST:ERR?\n", "DET:DEAD?\n",
                "DET:BIAS 62.5\n", "SYST:ERR?\n", "DET:BIAS?\n"));
        assertEquals(expected, link.written());
        assertEquals(DeviceState.READY, spad.state());
        assertEquals(IDN, spad.identity());
        assertEquals(2, spad.channel());
        assertEquals(ScpiSpad.Polarization.D, spad.polarization());
        assertEquals(0.2, spad.efficiency());
        assertEquals(10_000, spad.deadTimeNs());
        assertEquals(62.5, spad.biasV());
    }

    @Test
    void measurementsAreQueriedEachTime() {
        instrumentAnswersReadBack().reply("+6.000000000E-07", "+2.231500000E+02", "61");
        ScpiSpad spad = connect(Map.of("polarization", "V"));
        assertEquals(6e-7, spad.darkCountProbability(), 1e-15);
        assertEquals(223.15, spad.temperatureK(), 1e-9);
        assertEquals(61, spad.counts());
        assertEquals(List.of("DET:DARK?\n", "DET:TEMP?\n", "DET:COUN?\n"), link.writtenAfter(CONNECT.size()));
        assertEquals(1, spad.channel());
    }

    @Test
    void aDarkCountProbabilityOutsideZeroToOneIsAFault() {
        instrumentAnswersReadBack().reply("+1.500000000E+00", "garbage");
        ScpiSpad spad = connect(Map.of("channel", 0L));
        ScpiReplyException e = assertThrows(ScpiReplyException.class, spad::darkCountProbability);
        assertEquals("det-h: 'DET:DARK?' answered 1.5, expected a probability in [0, 1]", e.getMessage());
        assertEquals(DeviceState.FAULT, spad.state());
        ScpiReplyException junk = assertThrows(ScpiReplyException.class, spad::temperatureK);
        assertEquals("det-h: 'DET:TEMP?' answered 'garbage', expected a number", junk.getMessage());
    }

    @Test
    void theBiasIsCheckedBeforeSendingThenSetAndReadBack() {
        instrumentAnswersReadBack().noError().reply("+7.000000000E+01");
        ScpiSpad spad = connect(Map.of("channel", 0L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spad.setBiasV(250));
        assertEquals("det-h: DET:BIAS must be 0 to 200 V, was 250 V", e.getMessage());
        assertEquals(CONNECT, link.written());
        spad.setBiasV(70);
        assertEquals(List.of("DET:BIAS 70\n", "SYST:ERR?\n", "DET:BIAS?\n"), link.writtenAfter(CONNECT.size()));
        assertEquals(70, spad.biasV());
    }

    @Test
    void aTimedOutCountReconnectsInStepAndItsLateReplyIsNeverTakenForTheNextCount() throws Exception {
        instrumentAnswersReadBack().silence(); // 'DET:COUN?' gets no reply: the instrument stalled
        ScpiSpad spad = connect(Map.of("channel", 0L));
        ScpiLinkException e = assertThrows(ScpiLinkException.class, spad::counts);
        assertEquals("det-h: no reply to 'DET:COUN?' from " + ScriptedTransport.ADDRESS + " within 1000 ms",
                e.getMessage());
        assertEquals(DeviceState.DISCONNECTED, spad.state());

        // it answers again once the reconnect's marker is out: first the abandoned count (61), then in order
        link.silence().reply("61", "1;1");
        instrumentAnswersReadBack().reply("7");
        assertEquals(7, spad.counts());

        List<String> expected = new ArrayList<>(List.of("DET:COUN?\n", "*OPC?;*OPC?\n"));
        expected.addAll(CONNECT);
        expected.add("DET:COUN?\n");
        assertEquals(expected, link.writtenAfter(CONNECT.size()));
        verify(link.mock, times(2)).open();
        assertEquals(DeviceState.READY, spad.state());
        assertEquals(1, spad.staleLinesDiscarded());
        assertEquals(1, spad.resynchronizations());
        assertTrue(link.consumed());
    }

    @Test
    void checkAfterANonsenseReplyResynchronizesOnTheOpenLinkAndAsksAgain() throws Exception {
        instrumentAnswersReadBack().reply("0"); // '*OPC?' answered 0: whose reply was that?
        ScpiSpad spad = connect(Map.of("channel", 0L));
        assertThrows(ScpiReplyException.class, spad::check);
        assertEquals(DeviceState.FAULT, spad.state());

        link.silence().reply("1;1", "1");
        assertEquals(DeviceState.READY, spad.check());
        assertEquals(List.of("*OPC?\n", "*OPC?;*OPC?\n", "*OPC?\n"), link.writtenAfter(CONNECT.size()));
        verify(link.mock, times(1)).open();
        assertEquals(1, spad.resynchronizations());
        assertTrue(link.consumed());
    }

    @Test
    void channelAndPolarizationGiveEachOtherByTheStandardWiringOrAreBothGiven() {
        assertEquals(3, ScpiSpadSettings.from(DeviceConfigs.settings("d", Map.of("polarization", "a"))).channel());
        assertEquals(ScpiSpad.Polarization.H,
                ScpiSpadSettings.from(DeviceConfigs.settings("d", Map.of("channel", 0L))).polarization());
        ScpiSpadSettings rewired = ScpiSpadSettings.from(DeviceConfigs.settings("d",
                Map.of("channel", 3L, "polarization", "H")));
        assertEquals(3, rewired.channel());
        assertEquals(ScpiSpad.Polarization.H, rewired.polarization());
    }

    @Test
    void settingsAreCheckedWithTheirUnitsWhereTheyWereWritten() {
        ConfigException neither = assertThrows(ConfigException.class,
                () -> ScpiSpadSettings.from(DeviceConfigs.settings("det-h", Map.of())));
        assertTrue(neither.getMessage().startsWith("alice.toml:10: devices.det-h.channel: a detector needs its "
                + "tagger channel"), neither.getMessage());
        ConfigException channel = assertThrows(ConfigException.class,
                () -> ScpiSpadSettings.from(DeviceConfigs.settings("det-h", Map.of("channel", 4L))));
        assertEquals("alice.toml:20: devices.det-h.channel: expected an integer from 0 to 3, found 4",
                channel.getMessage());
        ConfigException polarization = assertThrows(ConfigException.class,
                () -> ScpiSpadSettings.from(DeviceConfigs.settings("det-h", Map.of("polarization", "R"))));
        assertEquals("alice.toml:20: devices.det-h.polarization: expected \"H\", \"V\", \"D\" or \"A\", found \"R\"",
                polarization.getMessage());
        ConfigException efficiency = assertThrows(ConfigException.class,
                () -> ScpiSpadSettings.from(DeviceConfigs.settings("det-h", Map.of("channel", 0L, "efficiency", 1.2))));
        assertEquals("alice.toml:21: devices.det-h.efficiency: expected 0 to 1, found 1.2", efficiency.getMessage());
        ConfigException dead = assertThrows(ConfigException.class,
                () -> ScpiSpadSettings.from(DeviceConfigs.settings("det-h",
                        Map.of("channel", 0L, "dead_time_ns", 0.5))));
        assertEquals("alice.toml:21: devices.det-h.dead_time_ns: expected 1 to 100000 ns, found 0.5 ns",
                dead.getMessage());
    }
}
