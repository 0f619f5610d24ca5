package dev.qkdbench.drivers.scpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Fuzzes the SCPI reply side: {@link ScpiSession} reading whatever an instrument (or line noise)
 * sends, in reads of any size, with timeouts and closes between them, and the reply parsers
 * {@link ScpiNumbers} and {@link ScpiError}. Only {@link DeviceException}s (reply, link and
 * refusal errors) may come out of a session, and numbers it returns are finite.
 */
class ScpiSessionFuzzTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);

    /**
     * Input: from the end, a control byte per step: its low 3 bits pick the session call, and each
     * read the call makes takes a control byte (0: nothing within the timeout, 1: the peer closes,
     * else that many bytes minus 2 from the front of the input). Once the input is used up every
     * read times out, so each call ends by its deadline on the manual clock.
     */
    @FuzzTest(maxDuration = "2m")
    void sessionSurvivesArbitraryReplies(FuzzedDataProvider data) {
        FuzzedTransport transport = new FuzzedTransport(data);
        ScpiSession session = new ScpiSession("laser", transport, TIMEOUT, transport::nanoTime);
        for (int step = 0; step < 16 && data.remainingBytes() > 0; step++) {
            if (!transport.isOpen()) {
                transport.open();
            }
            int call = data.consumeInt(0, 7);
            try {
                switch (call) {
                    case 0 -> session.query("SOUR:WAV?");
                    case 1 -> assertFiniteScpiNumber(session.queryNumber("SOUR:POW?"));
                    case 2 -> assertTrue(session.queryCount("SENS:COUN?") >= 0);
                    case 3 -> session.queryBoolean("OUTP?");
                    case 4 -> assertQuotable(session.identify());
                    case 5 -> {
                        List<ScpiError> errors = session.drainErrors();
                        assertTrue(errors.size() <= ScpiSession.MAX_ERROR_READS);
                        errors.forEach(e -> assertTrue(e.code() != 0));
                    }
                    case 6 -> session.set("SOUR:WAV 1550");
                    default -> session.operationComplete();
                }
            } catch (DeviceException expected) {
                assertTrue(expected.getMessage().startsWith("laser: "), expected.getMessage());
            }
        }
    }

    /**
     * A reply line of any bytes: the number parser gives a finite value or nothing and agrees with
     * {@link ScpiNumbers#format} on what it returns; the error-queue parser never throws.
     */
    @FuzzTest(maxDuration = "2m")
    void replyParsersAcceptAnyLine(byte[] line) {
        String reply = new String(line, StandardCharsets.ISO_8859_1);
        OptionalDouble v = ScpiNumbers.parse(reply);
        if (v.isPresent()) {
            assertFiniteScpiNumber(v.getAsDouble());
            OptionalDouble again = ScpiNumbers.parse(ScpiNumbers.format(v.getAsDouble()));
            assertTrue(again.isPresent(), "format(" + v.getAsDouble() + ") parses");
            // numerically equal: -0 goes out as "0", the same setting to an instrument
            assertTrue(v.getAsDouble() == again.getAsDouble(),
                    "format(" + v.getAsDouble() + ") parses as " + again.getAsDouble());
        }
        Optional<ScpiError> e = ScpiError.parse(reply);
        e.ifPresent(error -> assertEquals(reply.strip(), error.reply()));
        assertQuotable(ScpiSession.printable(reply));
    }

    /**
     * What {@link ScpiSession#printable} makes of a reply: printable ASCII, cut after 80 characters
     * (an escape may run 3 past them) and then marked with "...".
     */
    private static void assertQuotable(String s) {
        assertTrue(s.length() <= 86, "quoted reply of " + s.length() + " characters");
        assertTrue(s.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "quoted reply '" + s + "'");
    }

    private static void assertFiniteScpiNumber(double v) {
        assertTrue(Double.isFinite(v) && Math.abs(v) < 9.9e37, "SCPI number " + v);
    }

    /** Reads driven by the fuzzer's input, on a manual clock that a timed-out read moves on. */
    private static final class FuzzedTransport implements Transport {
        private final FuzzedDataProvider data;
        private boolean open = true;
        private long nowNanos;

        FuzzedTransport(FuzzedDataProvider data) {
            this.data = data;
        }

        long nanoTime() {
            return nowNanos;
        }

        @Override
        public String address() {
            return "tcp://192.0.2.10:5025";
        }

        @Override
        public void open() {
            open = true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            nowNanos += 1_000;
        }

        @Override
        public int read(byte[] buffer, int offset, int length, Duration timeout) {
            int control = data.remainingBytes() == 0 ? 0 : data.consumeInt(0, 255);
            if (control == 0) {
                nowNanos += Math.max(1, timeout.toNanos());
                return 0;
            }
            if (control == 1) {
                return -1;
            }
            byte[] chunk = data.consumeBytes(Math.min(length, control - 2));
            System.arraycopy(chunk, 0, buffer, offset, chunk.length);
            nowNanos += 10_000;
            if (chunk.length == 0) {
                nowNanos += Math.max(1, timeout.toNanos());
            }
            return chunk.length;
        }

        @Override
        public void drainInput() {
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
