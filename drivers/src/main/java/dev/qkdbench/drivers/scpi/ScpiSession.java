package dev.qkdbench.drivers.scpi;

import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.drivers.transport.Transport;
import dev.qkdbench.drivers.transport.TransportException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;

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
 * Every reply must arrive whole within the request timeout. Input left over from an earlier,
 * abandoned exchange is discarded before each query, so a late reply is never taken for the answer
 * to the next question. Any link failure (an I/O error, the peer closing, a timeout) closes the
 * transport and throws {@link ScpiLinkException}: the stream is out of step and only a reconnect
 * puts it right. A reply that does not parse throws {@link ScpiReplyException}, an instrument error
 * after {@link #set} {@link ScpiRefusedException}; every message names the device, the command and
 * what went wrong. Not thread-safe: one driver thread at a time.
 */
public final class ScpiSession {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** How many {@code SYST:ERR?} reads {@link #drainErrors()} makes at most. */
    public static final int MAX_ERROR_READS = 32;
    /** A longer reply is junk (our instruments send no block data). */
    public static final int MAX_REPLY_BYTES = 4096;
    /** How many stale lines {@link #identify()} skips at most. */
    static final int MAX_SKIPPED_LINES = 16;

    private static final byte LF = '\n';

    private final String device;
    private final Transport transport;
    private final Duration timeout;
    private final byte[] chunk = new byte[512];
    private byte[] line = new byte[256];
    private int lineLength;

    /**
     * @param device    the device's name in the configuration, for messages
     * @param transport the link; opened and closed by the caller (and closed here on a failure)
     * @param timeout   how long a reply may take, per request
     */
    public ScpiSession(String device, Transport transport, Duration timeout) {
        this.device = Objects.requireNonNull(device, "device");
        this.transport = Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
    }

    public String device() {
        return device;
    }

    public Duration timeout() {
        return timeout;
    }

    public String address() {
        return transport.address();
    }

    /** Sends a program message; does not wait for anything. */
    public void write(String command) {
        byte[] bytes = encode(command);
        try {
            transport.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            throw linkFailure("cannot send '" + command + "' to " + address() + ": " + cause(e), e);
        }
    }

    /** Sends a query and returns its reply line, without terminator, within the session timeout. */
    public String query(String command) {
        return query(command, timeout);
    }

    /** Sends a query and returns its reply line, without terminator, within {@code replyTimeout}. */
    public String query(String command, Duration replyTimeout) {
        discardStaleInput(command);
        write(command);
        return readLine(command, replyTimeout);
    }

    /** A numeric query: NR1, NR2 or NR3. */
    public double queryNumber(String command) {
        String reply = query(command);
        OptionalDouble v = ScpiNumbers.parse(reply);
        if (v.isEmpty()) {
            throw new ScpiReplyException(device, "'" + command + "' answered '" + printable(reply)
                    + "', expected a number");
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
                throw new ScpiReplyException(device, "'" + command + "' answered '" + printable(reply)
                        + "', expected 1 or 0");
        }
    }

    /**
     * {@code *IDN?}: manufacturer, model, serial number, firmware (IEEE 488.2 §10.14). Lines that are
     * not such an identity are skipped: they are late replies to requests abandoned before a
     * reconnect (a pseudo-terminal keeps its bytes across one), and the instrument answers in order,
     * so the identity comes after them. This is what puts a reconnected session back in step.
     */
    public String identify() {
        long deadline = System.nanoTime() + timeout.toNanos();
        String reply = query("*IDN?");
        List<String> skipped = new ArrayList<>();
        while (!isIdentity(reply)) {
            skipped.add(printable(reply));
            if (skipped.size() > MAX_SKIPPED_LINES) {
                throw new ScpiReplyException(device, "'*IDN?' answered " + skipped
                        + ", expected <manufacturer>,<model>,<serial>,<firmware>");
            }
            try {
                reply = readLine("*IDN?", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
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
        if (!reply.equals("1") && !reply.equals("+1")) {
            throw new ScpiReplyException(device, "'*OPC?' answered '" + printable(reply) + "', expected 1");
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
            ScpiError error = ScpiError.parse(reply).orElseThrow(() -> new ScpiReplyException(device,
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

    // ---- framing ----

    private static byte[] encode(String command) {
        Objects.requireNonNull(command, "command");
        if (command.isBlank() || command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an SCPI command is one non-empty line, was '" + command + "'");
        }
        return (command + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private void discardStaleInput(String command) {
        lineLength = 0;
        try {
            transport.drainInput();
        } catch (IOException e) {
            throw linkFailure("cannot send '" + command + "' to " + address() + ": " + cause(e), e);
        }
    }

    private String readLine(String command, Duration replyTimeout) {
        long deadline = System.nanoTime() + replyTimeout.toNanos();
        int scanned = 0;
        while (true) {
            for (int i = scanned; i < lineLength; i++) {
                if (line[i] == LF) {
                    int end = i > 0 && line[i - 1] == '\r' ? i - 1 : i;
                    String reply = new String(line, 0, end, StandardCharsets.ISO_8859_1);
                    // anything after the terminator belongs to no request of ours
                    lineLength = 0;
                    return reply;
                }
            }
            scanned = lineLength;
            if (lineLength > MAX_REPLY_BYTES) {
                String start = printable(new String(line, 0, 40, StandardCharsets.ISO_8859_1));
                lineLength = 0;
                throw new ScpiReplyException(device, "'" + command + "' answered more than " + MAX_REPLY_BYTES
                        + " bytes without a line end, starting '" + start + "...'");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                String partial = lineLength == 0 ? "" : " (received '"
                        + printable(new String(line, 0, Math.min(lineLength, 40), StandardCharsets.ISO_8859_1))
                        + "' without a line end)";
                throw linkFailure("no reply to '" + command + "' from " + address() + " within "
                        + replyTimeout.toMillis() + " ms" + partial, null);
            }
            int n;
            try {
                n = transport.read(chunk, 0, chunk.length, Duration.ofNanos(left));
            } catch (IOException e) {
                throw linkFailure("link to " + address() + " failed while waiting for the reply to '" + command
                        + "': " + cause(e), e);
            }
            if (n < 0) {
                throw linkFailure("link to " + address() + " closed by the instrument while waiting for the reply to '"
                        + command + "'", null);
            }
            append(n);
        }
    }

    private void append(int n) {
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
        }
        System.arraycopy(chunk, 0, line, lineLength, n);
        lineLength += n;
    }

    private DeviceException linkFailure(String problem, Throwable cause) {
        lineLength = 0;
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
