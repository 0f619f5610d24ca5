package dev.qkdbench.sim.emulator.scpi;

/**
 * The SCPI commands of the emulated SPAD module ({@code scpi-spad} driver), one handler per
 * connection over a shared {@link EmulatedSpad}:
 *
 * <pre>
 * DETector:EFFiciency &lt;0..1&gt;, ?        detection efficiency
 * DETector:DEADtime &lt;ns&gt;, ?            1 to 100000 ns
 * DETector:BIAS &lt;V&gt;, ?                 0 to 200 V
 * DETector:TEMPerature?                  K
 * DETector:DARK?                         dark-count probability per gate
 * DETector:COUNts?                       counts since the previous DET:COUN?
 * </pre>
 *
 * plus the common commands of {@link ScpiEmulator}.
 */
public final class ScpiSpadEmulator extends ScpiEmulator {
    public ScpiSpadEmulator(EmulatedSpad spad) {
        super(spad);
        numeric("DETector:EFFiciency", EmulatedSpad.MIN_EFFICIENCY, EmulatedSpad.MAX_EFFICIENCY, "",
                spad::efficiency, spad::setEfficiency);
        numeric("DETector:DEADtime", EmulatedSpad.MIN_DEAD_TIME_NS, EmulatedSpad.MAX_DEAD_TIME_NS, "ns",
                spad::deadTimeNs, spad::setDeadTimeNs);
        numeric("DETector:BIAS", EmulatedSpad.MIN_BIAS_V, EmulatedSpad.MAX_BIAS_V, "V",
                spad::biasV, spad::setBiasV);
        query("DETector:TEMPerature", () -> nr3(spad.temperatureK()));
        query("DETector:DARK", () -> nr3(spad.darkCountProbability()));
        query("DETector:COUNts", () -> Long.toString(spad.takeCounts()));
    }
}
