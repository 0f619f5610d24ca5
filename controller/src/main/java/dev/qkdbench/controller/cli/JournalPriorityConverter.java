package dev.qkdbench.controller.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;

/**
 * Logback's {@code %journal(...)}: prefixes every line its child pattern produces with the
 * event's syslog priority in the form systemd reads from a service's stdout (sd-daemon(3),
 * {@code SyslogLevelPrefix=}): {@code <3>} error, {@code <4>} warning, {@code <6>} info,
 * {@code <7>} debug and trace.
 *
 * <p>journald cuts a service's output into one entry per line, so a prefix on the first line
 * alone would file a stack trace's other lines at the unit's default priority: every line gets
 * its own prefix. Put the throwable inside the parentheses ({@code %journal(%msg%n%ex)}) so
 * its lines are prefixed too.
 *
 * <pre>
 * BEFORE: "peer link lost\njava.io.IOException: reset\n\tat ...\n"   (a WARN event)
 * AFTER:  "&lt;4&gt;peer link lost\n&lt;4&gt;java.io.IOException: reset\n&lt;4&gt;\tat ...\n"
 * </pre>
 */
public final class JournalPriorityConverter extends CompositeConverter<ILoggingEvent> {
    /** sd-daemon's SD_ERR, SD_WARNING, SD_INFO and SD_DEBUG. */
    static final int ERR = 3;
    static final int WARNING = 4;
    static final int INFO = 6;
    static final int DEBUG = 7;

    /** The syslog priority journald files a line of this level under. */
    static int priority(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> ERR;
            case Level.WARN_INT -> WARNING;
            case Level.INFO_INT -> INFO;
            default -> DEBUG;
        };
    }

    @Override
    protected String transform(ILoggingEvent event, String in) {
        return prefixLines("<" + priority(event.getLevel()) + ">", in);
    }

    /**
     * Puts {@code prefix} before every line of {@code text}; a final line break opens no new line
     * (so {@code "a\n"} becomes {@code "<6>a\n"}, not {@code "<6>a\n<6>"}). A {@code \r\n} pair
     * counts as one break.
     */
    static String prefixLines(String prefix, String text) {
        if (text.isEmpty()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + prefix.length() * 2);
        boolean lineStart = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (lineStart) {
                out.append(prefix);
                lineStart = false;
            }
            out.append(c);
            if (c == '\n') {
                lineStart = true;
            }
        }
        return out.toString();
    }
}
