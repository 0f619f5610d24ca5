package dev.qkdbench.sim.emulator.scpi;

import dev.qkdbench.sim.emulator.ByteStreamHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The SCPI side of an emulated instrument, one instance per connection: assembles program
 * messages from the byte stream, answers the IEEE 488.2 common commands and {@code SYST:ERR?},
 * and dispatches the instrument's own commands from a table the subclass fills in.
 *
 * <pre>
 * driver sends                         emulator answers
 * "SOUR:WAV 1550\n"                    (nothing; a refusal goes to the error queue)
 * "SOUR:WAV?\r\n"                      "+1.550000000E+03\n"
 * "*IDN?;:OUTP?\n"                     "QKD-Bench,...;0\n"     (units of one message, joined by ';')
 * "SOUR:NOPE?\n"                       (nothing; -113,"Undefined header" queued, the driver times out)
 * </pre>
 *
 * Messages end with LF (a CR before it is ignored); a message longer than {@value #MAX_MESSAGE_BYTES}
 * bytes is discarded up to its LF with a {@code -100} error. Numbers are answered in the NR3 form
 * of IEEE 488.2 §8.7.4, booleans as {@code 0}/{@code 1}.
 */
public abstract class ScpiEmulator implements ByteStreamHandler {
    public static final int MAX_MESSAGE_BYTES = 1024;

    /** IEEE 488.2 §7.7.2 decimal numeric data, without suffix units. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private record Command(ScpiHeaderPattern header, Supplier<String> query, Setter setter) {
    }

    @FunctionalInterface
    private interface Setter {
        void apply(String header, String parameter) throws Refusal;
    }

    /** A command refused: the error that goes to the queue. */
    private static final class Refusal extends Exception {
        final ScpiErrorCode code;

        Refusal(ScpiErrorCode code, String detail) {
            super(detail, null, false, false);
            this.code = code;
        }
    }

    private final EmulatedInstrument instrument;
    private final List<Command> commands = new ArrayList<>();
    private final StringBuilder message = new StringBuilder();
    private boolean discarding;

    protected ScpiEmulator(EmulatedInstrument instrument) {
        if (instrument == null) {
            throw new IllegalArgumentException("instrument must not be null");
        }
        this.instrument = instrument;
        query("SYSTem:ERRor[:NEXT]", () -> instrument.errors().pop());
        query("SYSTem:ERRor:COUNt", () -> Integer.toString(instrument.errors().size()));
        query("SYSTem:VERSion", () -> "1999.0");
    }

    // ---- the command table, filled in by the subclass's constructor ----

    /** A numeric setting with its query form; values outside [min, max] are refused with -222. */
    protected final void numeric(String header, double min, double max, String unit, DoubleSupplier get,
                                 DoubleConsumer set) {
        commands.add(new Command(new ScpiHeaderPattern(header), () -> nr3(get.getAsDouble()), (h, p) -> {
            double v = decimal(h, p, min, max);
            if (!(v >= min && v <= max)) {
                throw new Refusal(ScpiErrorCode.DATA_OUT_OF_RANGE,
                        h + " " + p + " not in " + nr1OrPlain(min) + " to " + nr1OrPlain(max)
                                + (unit.isEmpty() ? "" : " " + unit));
            }
            set.accept(v);
        }));
    }

    /** A boolean setting ({@code ON|OFF|1|0}) with its query form answering {@code 1|0}. */
    protected final void bool(String header, BooleanSupplier get, java.util.function.Consumer<Boolean> set) {
        commands.add(new Command(new ScpiHeaderPattern(header), () -> get.getAsBoolean() ? "1" : "0", (h, p) -> {
            String s = p.toUpperCase(Locale.ROOT);
            if (s.isEmpty()) {
                throw new Refusal(ScpiErrorCode.MISSING_PARAMETER, h);
            }
            switch (s) {
                case "ON", "1" -> set.accept(true);
                case "OFF", "0" -> set.accept(false);
                default -> throw new Refusal(ScpiErrorCode.DATA_TYPE_ERROR, h + " expects ON or OFF, got " + p);
            }
        }));
    }

    /** A query-only command (a measurement). */
    protected final void query(String header, Supplier<String> reply) {
        commands.add(new Command(new ScpiHeaderPattern(header), reply, null));
    }

    /** NR3, e.g. {@code +1.550000000E+03}: what many instruments answer, and what drivers must parse. */
    protected static String nr3(double v) {
        return String.format(Locale.ROOT, "%+.9E", v);
    }

    // ---- ByteStreamHandler ----

    @Override
    public final void onBytes(byte[] data, int offset, int length, ByteSink out) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            char c = (char) (data[i] & 0xff);
            if (c == '\n') {
                if (!discarding) {
                    execute(message.toString(), out);
                }
                message.setLength(0);
                discarding = false;
            } else if (!discarding) {
                if (message.length() == MAX_MESSAGE_BYTES) {
                    instrument.errors().push(ScpiErrorCode.COMMAND_ERROR,
                            "program message longer than " + MAX_MESSAGE_BYTES + " bytes");
                    message.setLength(0);
                    discarding = true;
                } else {
                    message.append(c);
                }
            }
        }
    }

    @Override
    public void onDisconnect() {
        message.setLength(0);
        discarding = false;
    }

    private void execute(String line, ByteSink out) throws IOException {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (text.isBlank()) {
            return;
        }
        List<String> replies = new ArrayList<>();
        for (String unit : text.split(";")) {
            String reply = executeUnit(unit.trim());
            if (reply != null) {
                replies.add(reply);
            }
        }
        if (!replies.isEmpty()) {
            byte[] bytes = (String.join(";", replies) + "\n").getBytes(StandardCharsets.US_ASCII);
            out.write(bytes, 0, bytes.length);
        }
    }

    /** @return the reply of a query, null for a command (or a query that failed) */
    private String executeUnit(String unit) {
        if (unit.isEmpty()) {
            return null;
        }
        int space = 0;
        while (space < unit.length() && !Character.isWhitespace(unit.charAt(space))) {
            space++;
        }
        String header = unit.substring(0, space);
        String parameter = unit.substring(space).trim();
        boolean isQuery = header.endsWith("?");
        String name = isQuery ? header.substring(0, header.length() - 1) : header;
        try {
            if (name.startsWith("*")) {
                return common(name.toUpperCase(Locale.ROOT), isQuery, header);
            }
            for (Command c : commands) {
                if (!c.header().matches(name)) {
                    continue;
                }
                if (isQuery && c.query() != null) {
                    return c.query().get();
                }
                if (!isQuery && c.setter() != null) {
                    if (instrument.answeringWithError()) {
                        throw new Refusal(ScpiErrorCode.DATA_OUT_OF_RANGE, "injected fault: " + unit);
                    }
                    c.setter().apply(name, parameter);
                    return null;
                }
            }
            throw new Refusal(ScpiErrorCode.UNDEFINED_HEADER, header);
        } catch (Refusal r) {
            instrument.errors().push(r.code, r.getMessage());
            return null;
        }
    }

    private String common(String name, boolean isQuery, String header) throws Refusal {
        switch (name + (isQuery ? "?" : "")) {
            case "*IDN?":
                return instrument.identity();
            case "*RST":
                instrument.reset();
                return null;
            case "*CLS":
                instrument.errors().clear();
                return null;
            case "*OPC?":
                return "1";
            case "*OPC", "*WAI":
                return null;
            case "*ESR?", "*TST?":
                return "0";
            case "*STB?":
                // bit 2: the error queue is not empty (SCPI-1999 Vol. 1 §9)
                return instrument.errors().size() > 0 ? "4" : "0";
            default:
                throw new Refusal(ScpiErrorCode.UNDEFINED_HEADER, header);
        }
    }

    private static double decimal(String header, String parameter, double min, double max) throws Refusal {
        if (parameter.isEmpty()) {
            throw new Refusal(ScpiErrorCode.MISSING_PARAMETER, header);
        }
        String p = parameter.toUpperCase(Locale.ROOT);
        if (p.equals("MIN") || p.equals("MINIMUM")) {
            return min;
        }
        if (p.equals("MAX") || p.equals("MAXIMUM")) {
            return max;
        }
        if (!DECIMAL.matcher(parameter).matches()) {
            throw new Refusal(ScpiErrorCode.DATA_TYPE_ERROR, header + " expects a number, got " + parameter);
        }
        return Double.parseDouble(parameter);
    }

    private static String nr1OrPlain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
