package dev.qkdbench.sim.emulator.scpi;

/**
 * The state of one emulated SCPI instrument, shared by every connection to it so that settings
 * survive a reconnect, as they do on real hardware: an {@link ScpiEmulator} handler is made per
 * connection and reads and writes this object. Thread-safe; tests reach it directly to inject
 * faults and to check what a driver set.
 */
public abstract class EmulatedInstrument {
    private final ScpiErrorQueue errors = new ScpiErrorQueue(ScpiErrorQueue.DEFAULT_CAPACITY);
    private volatile boolean answerWithError;

    /** The {@code *IDN?} reply: manufacturer, model, serial number, firmware version. */
    public abstract String identity();

    /** {@code *RST}: the instrument's power-on settings. */
    public abstract void reset();

    public final ScpiErrorQueue errors() {
        return errors;
    }

    /**
     * Fault injection: while on, every setting command is refused with {@code -222,"Data out of
     * range"} and changes nothing; queries still answer.
     */
    public final void answerWithError(boolean on) {
        answerWithError = on;
    }

    public final boolean answeringWithError() {
        return answerWithError;
    }
}
