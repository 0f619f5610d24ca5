package dev.qkdbench.drivers.bench;

import java.io.IOException;

/**
 * Fault injection on the emulator endpoint serving one emulated device (DESIGN §7), for tests and
 * demonstrations of supervision. Callable from any thread at any time.
 */
public interface EmulatorFaults {
    /** The address drivers use to reach the endpoint. */
    String address();

    /**
     * Closes the current connection(s). A TCP endpoint accepts again at once; a pseudo-terminal
     * vanishes (the serial adapter pulled) until {@link #restore()}.
     */
    void dropConnection();

    /** Brings a dropped pseudo-terminal back at the same path; a no-op otherwise. */
    void restore() throws IOException;

    /** Stops (true) or resumes (false) reading and answering; held output is sent on resuming. */
    void stall(boolean on);

    /** Flips every bit of the next {@code bytes} bytes sent to a driver. */
    void corruptNext(int bytes);

    /** Bytes still to corrupt from the last {@link #corruptNext} request. */
    long corruptionPending();
}
