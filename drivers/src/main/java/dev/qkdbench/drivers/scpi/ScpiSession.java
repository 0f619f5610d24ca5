package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Line-oriented SCPI over a {@link Transport} (IEEE 488.2 message exchange, one request at a
 * time): a program message goes out terminated by LF; a response message comes back as one line
 * terminated by LF or CR LF.
 *
 * <pre>
 * write("SOUR:WAV 1550")      →  "SOUR:WAV 1550\n"
 * query("SOUR:WAV?")          →  "SOUR:WAV?\n"          ←  "+1.55000E+03\r\n"   returns "+1.55000E+03"
 * set("SOUR:WAV 1550")        →  "SOUR:WAV 1550\n"  "SYST:ERR?\n"  ←  "0,\"No error\"\n"
 * </pre>
 *
 * Every reply must arrive whole within the request timeout. Any link failure (an I/O error, the
 * peer closing, a timeout) closes the transport and throws {@link ScpiLinkException}; the caller
 * reopens it. A reply that does not parse throws {@link ScpiReplyException}, an instrument error
 * after {@link #set} {@link ScpiRefusedException}; every message names the device, the command and
 * what went wrong. Not thread-safe: one driver thread at a time; the counters may be read from any.
 *
 * <h2>Staying in step</h2>
 *
 * SCPI replies carry no request id: only its place in the stream ties a reply to its query. An
 * exchange that does not complete cleanly (no reply in time, a reply cut short, overlong or not
 * parsing, bytes after the reply, the link failing) leaves the session <em>out of step</em>: the
 * reply may still come, late, and a pseudo-terminal, unlike a new TCP connection, keeps it across a
 * reconnect. Before its next command an out-of-step session resynchronizes:
 *
 * <pre>
 * 1. silence   read and discard until nothing arrives for {@link #quietPeriod()}   gives up after the timeout
 * 2. marker    →  "*OPC?;*OPC?\n"                        2, 3, 4, 2, 3, ... units, in turn
 * 3. align     ←  discard lines until "1;1"               gives up after the timeout or {@value #MAX_STALE_LINES} lines
 * </pre>
 *
 * The instrument answers in order, so every line before the marker's reply is stale. That reply,
 * as many {@code 1}s as the marker has {@code *OPC?} units, in one response message (IEEE 488.2's
 * response message unit separator is ';'), is no reply a driver's single query gets, and the unit
 * count changes from one resynchronization to the next, so neither the late answer to an ordinary
 * query nor the late answer to one of the two previous, abandoned markers is taken for it. Discarded
 * lines are logged and counted ({@link #staleLinesDiscarded()}). An instrument that will not fall
 * silent, or sends more than {@value #MAX_STALE_LINES} other lines instead of the marker's reply,
 * fails the resynchronization with a {@link ScpiLinkException} rather than holding the driver.
 *
 * <p>A session starts in step: nothing of its own is outstanding. Input already waiting is
 * discarded before every query ({@link Transport#drainInput()}), and {@link #identify()} skips lines
 * that are no identity, for junk a serial line held before the session's first exchange.
 */
public final class ScpiSession {
    private static final Logger LOG = LoggerFactory.getLogger(ScpiSession.class);

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** How many {@code SYST:ERR?} reads {@link #drainErrors()} makes at most. */
    public static final int MAX_ERROR_READS = 32;
    /** A longer reply is junk (our instruments send no block data). */
    public static final int MAX_REPLY_BYTES = 4096;
    /** How many stale lines one resynchronization discards at most before it gives up. */
    public static final int MAX_STALE_LINES = 64;
    /** The longest silence a resynchronization waits for; a quarter of the timeout when that is less. */
    public static final Duration MAX_QUIET_PERIOD = Duration.ofMillis(50);
    /** How many stale lines {@link #identify()} skips at most. */
    static final int MAX_SKIPPED_LINES = 16;
    /** The marker's {@code *OPC?} units go 2, 3, 4, 2, ...: never one, which a single query answers. */
    private static final int MIN_MARKER_UNITS = 2;
    private static final int MARKER_FORMS = 3;

    private static final byte LF = '\n';

    private final String device;
    private final Transport transport;
    private final Duration timeout;
    private final long timeoutNanos;
    private final long quietNanos;
    private final LongSupplier nanoTime;
    private final byte[] chunk = new byte[512];
    /** Received bytes not yet taken as a line: the reply being assembled, or stale input. */
    private byte[] line = new byte[256];
    private int lineLength;
    /** False from a command until its exchange completed cleanly; true implies {@code lineLength == 0}. */
    private boolean inStep = true;
    private long markersSent;
    private final LongAdder staleLines = new LongAdder();
    private final LongAdder resynchronizations = new LongAdder();

    /**
     * @param device    the device's name in the configuration, for messages
     * @param transport the link; opened and closed by the caller (and closed here on a failure)
     * @param timeout   how long a reply may take, per request
     */
    public ScpiSession(String device, Transport transport, Duration timeout) {
        this(device, transport, timeout, System::nanoTime);
    }

    /** @param nanoTime the clock of reply deadlines and quiet periods */
    ScpiSession(String device, Transport transport, Duration timeout, LongSupplier nanoTime) {
        this.device = Objects.requireNonNull(device, "device");
        this.transport = Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.quietNanos = Math.max(1, Math.min(timeoutNanos / 4, MAX_QUIET_PERIOD.toNanos()));
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    public String device() {
        return device;
    }

    public Duration timeout() {
        return timeout;
    }

    /** How long the line must stay silent before a resynchronization sends its marker. */
    public Duration quietPeriod() {
        return Duration.ofNanos(quietNanos);
    }

    public String address() {
        return transport.address();
    }

    /** Whether the last exchange completed cleanly, so the next command needs no resynchronization. */
    public boolean inStep() {
        return inStep;
    }

    /** Lines discarded as stale since the session was made: late replies, junk. Any thread. */
    public long staleLinesDiscarded() {
        return staleLines.sum();
    }

    /** Resynchronizations completed since the session was made. Any thread. */
    public long resynchronizations() {
        return resynchronizations.sum();
    }

    /** Sends a program message, resynchronizing first when out of step; does not wait for anything. */
    public void write(String command) {
        byte[] bytes = encode(command);
        ensureInStep(command);
        send(command, bytes);
    }

    /** Sends a query and returns its reply line, without terminator, within the session timeout. */
    public String query(String command) {
        return query(command, timeout);
    }

    /** Sends a query and returns its reply line, without terminator, within {@code replyTimeout}. */
    public String query(String command, Duration replyTimeout) {
        byte[] bytes = encode(command);
        ensureInStep(command);
        discardWaitingInput(command);
        inStep = false;
        send(command, bytes);
        String reply = readLine(command, replyTimeout);
        // bytes after the reply answer nothing we asked: resynchronize before the next command
        inStep = lineLength == 0;
        return reply;
    }

    /** A numeric query: NR1, NR2 or NR3. */
    public double queryNumber(String command) {
        String reply = query(command);
        OptionalDouble v = ScpiNumbers.parse(reply);
        if (v.isEmpty()) {
            throw malformed("'" + command + "' answered '" + printable(reply) + "', expected a number");
        }
        return v.getAsDouble();
    }

    /** A counter query: a non-negative integer (NR1; NR3 with no fraction accepted). */
    public long queryCount(String command) {
        double v = queryNumber(command);
        if (v < 0 || v != Math.rint(v) || v > Long.MAX_VALUE) {
            throw new ScpiReplyException(device, "'" + command + "' answered " + ScpiNumbers.format(v)
                    + ", expected a count (a whole number, at least 0)");
        }
        return (long) v;
    }

    /** A boolean query: {@code 1|0}, as IEEE 488.2 answers them, or {@code ON|OFF}. */
    public boolean queryBoolean(String command) {
        String reply = query(command).strip();
        switch (reply.toUpperCase(Locale.ROOT)) {
            case "1", "+1", "ON":
                return true;
            case "0", "+0", "OFF":
                return false;
            default:
                throw malformed("'" + command + "' answered '" + printable(reply) + "', expected 1 or 0");
        }
    }

    /**
     * {@code *IDN?}: manufacturer, model, serial number, firmware (IEEE 488.2 §10.14). After an
     * abandoned exchange the resynchronization has put the stream in step before {@code *IDN?} goes
     * out. Lines that are no identity are skipped as stale (junk a serial line held before the
     * session's first exchange); the instrument answers in order, so the identity comes after them,
     * and the next command resynchronizes to be sure.
     */
    public String identify() {
        long deadline = nanoTime.getAsLong() + timeoutNanos;
        String reply = query("*IDN?");
        List<String> skipped = new ArrayList<>();
        while (!isIdentity(reply)) {
            inStep = false;
            skipped.add(printable(reply));
            discarded(reply, "*IDN?");
            if (skipped.size() > MAX_SKIPPED_LINES) {
                throw malformed("'*IDN?' answered " + skipped + ", expected <manufacturer>,<model>,<serial>,<firmware>");
            }
            try {
                reply = readLine("*IDN?", Duration.ofNanos(Math.max(1, deadline - nanoTime.getAsLong())));
            } catch (ScpiLinkException e) {
                throw new ScpiLinkException(device, "no identity from " + address() + " in reply to '*IDN?' within "
                        + timeout.toMillis() + " ms; it answered only " + skipped, e);
            }
        }
        return printable(reply.strip());
    }

    private static boolean isIdentity(String reply) {
        String[] fields = reply.split(",", -1);
        return fields.length >= 4 && !fields[0].isBlank() && !fields[1].isBlank();
    }

    /** {@code *RST}: the instrument's reset settings. */
    public void reset() {
        write("*RST");
    }

    /** {@code *CLS}: clears the status registers and the error queue. */
    public void clearStatus() {
        write("*CLS");
    }

    /** {@code *OPC?}: waits until the instrument has finished the pending operations. */
    public void operationComplete() {
        String reply = query("*OPC?").strip();
        if (!isOne(reply)) {
            throw malformed("'*OPC?' answered '" + printable(reply) + "', expected 1");
        }
    }

    /**
     * Reads {@code SYST:ERR?} until the queue says {@code 0,"No error"}, at most
     * {@value #MAX_ERROR_READS} times.
     *
     * @return the errors, oldest first; empty when there were none
     */
    public List<ScpiError> drainErrors() {
        List<ScpiError> errors = new ArrayList<>();
        for (int i = 0; i < MAX_ERROR_READS; i++) {
            String reply = query("SYST:ERR?");
            ScpiError error = ScpiError.parse(reply).orElseThrow(() -> malformed(
                    "'SYST:ERR?' answered '" + printable(reply) + "', expected <code>,\"<description>\""));
            if (error.isNoError()) {
                return errors;
            }
            errors.add(error);
        }
        return errors;
    }

    /**
     * A setting: sends the command and reads the error queue.
     *
     * @throws ScpiRefusedException naming the command and the instrument's errors when there were any
     */
    public void set(String command) {
        write(command);
        List<ScpiError> errors;
        try {
            errors = drainErrors();
        } catch (ScpiLinkException e) {
            // "no reply to 'SYST:ERR?'" alone would hide which setting was in flight
            String problem = e.getMessage().substring(device.length() + 2);
            throw new ScpiLinkException(device, problem + ", checking '" + command + "'", e.getCause());
        }
        if (!errors.isEmpty()) {
            throw new ScpiRefusedException(device, address(), command, errors);
        }
    }

    // ---- resynchronization ----

    private void ensureInStep(String next) {
        if (!inStep) {
            resynchronize(next);
        }
    }

    /** See the class comment; {@code next} is the command that waits for it, for messages. */
    private void resynchronize(String next) {
        StaleLines stale = new StaleLines(next);
        awaitSilence(stale);
        int units = MIN_MARKER_UNITS + (int) (markersSent++ % MARKER_FORMS);
        String marker = String.join(";", Collections.nCopies(units, "*OPC?"));
        send(marker, encode(marker));
        awaitMarkerReply(marker, units, stale);
        inStep = true;
        resynchronizations.increment();
        if (stale.count > 0) {
            LOG.warn("{}: resynchronized with {} before '{}': discarded {} stale line(s), the last '{}'", device,
                    address(), next, stale.count, stale.last);
        } else {
            LOG.debug("{}: resynchronized with {} before '{}': nothing stale", device, address(), next);
        }
    }

    /** Step 1: discards input until none arrives for the quiet period, within the timeout. */
    private void awaitSilence(StaleLines stale) {
        long start = nanoTime.getAsLong();
        long deadline = start + timeoutNanos;
        long quietUntil = start + quietNanos;
        takeLines(stale);
        while (true) {
            long now = nanoTime.getAsLong();
            if (now - quietUntil >= 0) {
                if (lineLength > 0) {
                    stale.add(take(lineLength, lineLength));
                }
                return;
            }
            if (now - deadline >= 0) {
                throw stale.failure("it kept sending for " + timeout.toMillis() + " ms (" + stale.described()
                        + "); expected it to fall silent");
            }
            if (readMore(Math.min(quietUntil, deadline) - now, stale.next, true) > 0) {
                takeLines(stale);
                quietUntil = nanoTime.getAsLong() + quietNanos;
            }
        }
    }

    /** Step 3: discards lines until the marker's reply, within the timeout and {@value #MAX_STALE_LINES} lines. */
    private void awaitMarkerReply(String marker, int units, StaleLines stale) {
        long deadline = nanoTime.getAsLong() + timeoutNanos;
        while (true) {
            for (String s = takeLine(); s != null; s = takeLine()) {
                if (isMarkerReply(s, units)) {
                    if (lineLength > 0) {
                        // follows the marker's reply with nothing of ours sent since: it answers nothing
                        stale.add(take(lineLength, lineLength));
                    }
                    return;
                }
                stale.add(s);
            }
            long left = deadline - nanoTime.getAsLong();
            if (left <= 0) {
                throw linkFailure("no reply to '" + marker + "' (resynchronizing before '" + stale.next + "') from "
                        + address() + " within " + timeout.toMillis() + " ms"
                        + (stale.count == 0 ? "" : "; discarded " + stale.described()), null);
            }
            readMore(left, stale.next, true);
        }
    }

    private static boolean isMarkerReply(String reply, int units) {
        String[] parts = reply.split(";", -1);
        if (parts.length != units) {
            return false;
        }
        for (String p : parts) {
            if (!isOne(p.strip())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOne(String reply) {
        return reply.equals("1") || reply.equals("+1");
    }

    /** Moves the complete lines in the buffer to {@code stale}. */
    private void takeLines(StaleLines stale) {
        for (String s = takeLine(); s != null; s = takeLine()) {
            stale.add(s);
        }
    }

    /**
     * The next complete line in the buffer, without its terminator; null when there is none yet. A
     * line longer than {@value #MAX_REPLY_BYTES} bytes comes out in pieces, so the buffer stays bounded.
     */
    private String takeLine() {
        for (int i = 0; i < lineLength; i++) {
            if (line[i] == LF) {
                return take(i, i + 1);
            }
        }
        return lineLength > MAX_REPLY_BYTES ? take(lineLength, lineLength) : null;
    }

    /** Lines one resynchronization discarded: counted, logged, and the last kept for messages. */
    private final class StaleLines {
        final String next;
        int count;
        String last = "";

        StaleLines(String next) {
            this.next = next;
        }

        void add(String s) {
            count++;
            last = printable(s);
            discarded(s, next);
            if (count > MAX_STALE_LINES) {
                throw failure("it sent more than " + MAX_STALE_LINES + " stale lines, the last '" + last
                        + "'; expected it to fall silent and answer the resynchronization marker");
            }
        }

        String described() {
            return count == 0 ? "no complete line" : count + " stale line(s), the last '" + last + "'";
        }

        DeviceException failure(String problem) {
            return linkFailure("cannot resynchronize with " + address() + " before '" + next + "': " + problem, null);
        }
    }

    private void discarded(String staleLine, String next) {
        staleLines.increment();
        LOG.debug("{}: discarded stale line '{}' before '{}'", device, printable(staleLine), next);
    }

    // ---- framing ----

    private static byte[] encode(String command) {
        Objects.requireNonNull(command, "command");
        if (command.isBlank() || command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an SCPI command is one non-empty line, was '" + command + "'");
        }
        return (command + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private void send(String command, byte[] bytes) {
        try {
            transport.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            throw linkFailure("cannot send '" + command + "' to " + address() + ": " + cause(e), e);
        }
    }

    /** Input already received can answer no command not yet sent. */
    private void discardWaitingInput(String command) {
        try {
            transport.drainInput();
        } catch (IOException e) {
            throw linkFailure("cannot send '" + command + "' to " + address() + ": " + cause(e), e);
        }
    }

    private String readLine(String command, Duration replyTimeout) {
        long deadline = nanoTime.getAsLong() + replyTimeout.toNanos();
        int scanned = 0;
        while (true) {
            for (int i = scanned; i < lineLength; i++) {
                if (line[i] == LF) {
                    return take(i, i + 1);
                }
            }
            scanned = lineLength;
            if (lineLength > MAX_REPLY_BYTES) {
                String start = printable(new String(line, 0, 40, StandardCharsets.ISO_8859_1));
                lineLength = 0;
                throw malformed("'" + command + "' answered more than " + MAX_REPLY_BYTES
                        + " bytes without a line end, starting '" + start + "...'");
            }
            long left = deadline - nanoTime.getAsLong();
            if (left <= 0) {
                String partial = lineLength == 0 ? "" : " (received '"
                        + printable(new String(line, 0, Math.min(lineLength, 40), StandardCharsets.ISO_8859_1))
                        + "' without a line end)";
                throw linkFailure("no reply to '" + command + "' from " + address() + " within "
                        + replyTimeout.toMillis() + " ms" + partial, null);
            }
            readMore(left, command, false);
        }
    }

    /**
     * Reads what arrives within {@code timeoutNanos} into the buffer.
     *
     * @param command       the command whose reply is awaited, or that waits for a resynchronization
     * @param resynchronizing which of the two, for messages
     * @return the number of bytes received, 0 after the timeout
     */
    private int readMore(long timeoutNanos, String command, boolean resynchronizing) {
        int n;
        try {
            n = transport.read(chunk, 0, chunk.length, Duration.ofNanos(timeoutNanos));
        } catch (IOException e) {
            throw linkFailure("link to " + address() + " failed while " + waitingFor(command, resynchronizing)
                    + ": " + cause(e), e);
        }
        if (n < 0) {
            throw linkFailure("link to " + address() + " closed by the instrument while "
                    + waitingFor(command, resynchronizing), null);
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
        }
        System.arraycopy(chunk, 0, line, lineLength, n);
        lineLength += n;
        return n;
    }

    private static String waitingFor(String command, boolean resynchronizing) {
        return resynchronizing ? "resynchronizing before '" + command + "'" : "waiting for the reply to '" + command + "'";
    }

    /**
     * Removes the first {@code consumed} bytes of the buffer, keeping what follows.
     *
     * @return the first {@code end} of them as text, without a CR before {@code end}
     */
    private String take(int end, int consumed) {
        int textEnd = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
        String text = new String(line, 0, textEnd, StandardCharsets.ISO_8859_1);
        System.arraycopy(line, consumed, line, 0, lineLength - consumed);
        lineLength -= consumed;
        return text;
    }

    /** A reply that does not parse: whose it was is uncertain, so the next command resynchronizes. */
    private ScpiReplyException malformed(String problem) {
        inStep = false;
        return new ScpiReplyException(device, problem);
    }

    private DeviceException linkFailure(String problem, Throwable cause) {
        lineLength = 0;
        inStep = false;
        transport.close();
        return new ScpiLinkException(device, problem, cause);
    }

    /** The cause without the address a {@link TransportException} starts with (we name it already). */
    static String cause(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof TransportException t && m.startsWith(t.address() + ": ")) {
            return m.substring(t.address().length() + 2);
        }
        return m;
    }

    /** Replies quoted in messages: control and non-ASCII bytes as \xNN, at most 80 characters. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\x%02X", (int) c & 0xff));
            }
        }
        return b.length() >= 80 ? b + "..." : b.toString();
    }
}
