package dev.qkdbench.controller.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Where this process's log lines go. {@code logback.xml} picks its console appender's stream and
 * line format by the system property {@value #PROPERTY}: {@value #STDERR} (the default: plain
 * lines on stderr, so the stdout of commands such as {@code simulate --json} holds only their
 * result) or {@value #JOURNAL} (stdout, every line prefixed with its syslog priority for
 * journald, see {@link JournalPriorityConverter}), which {@code qkd-bench daemon} picks. Only
 * these two values are valid; set them through this class.
 *
 * <p>Logback reads the property once, when it configures itself: the first time any class asks
 * {@link LoggerFactory} for a logger, often from a static field as soon as that class loads. So
 * call {@link #useJournal()} first thing in the daemon command, before it touches any class that
 * logs. If logback was configured already, the call configures it again from
 * {@code logback.xml}; whatever was logged before that went to stderr.
 */
public final class LogTarget {
    /** The system property {@code logback.xml} reads the choice from. */
    public static final String PROPERTY = "qkdbench.log";
    /** stdout with journald priority prefixes, for the daemon under systemd. */
    public static final String JOURNAL = "JOURNAL";
    /** Plain lines on stderr, for every other command. */
    public static final String STDERR = "STDERR";
    /** The one appender {@code logback.xml} attaches to the root logger. */
    static final String APPENDER = "CONSOLE";

    private LogTarget() {
    }

    /** Log to stdout with journald priority prefixes from now on. */
    public static void useJournal() {
        use(JOURNAL, "System.out");
    }

    /** Log plain lines to stderr from now on (the default). */
    public static void useStderr() {
        use(STDERR, "System.err");
    }

    private static synchronized void use(String choice, String stream) {
        System.setProperty(PROPERTY, choice);
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            // Another SLF4J binding (a test harness, an embedding application) owns the output.
            return;
        }
        if (writesTo(context, stream)) {
            return;
        }
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            throw new IllegalStateException("cannot configure logging for " + PROPERTY + "=" + choice
                    + " from logback.xml: " + e.getMessage(), e);
        }
        if (!writesTo(context, stream)) {
            throw new IllegalStateException("logging for " + PROPERTY + "=" + choice + " should write to " + stream
                    + ", but logback.xml gave the root logger no appender " + APPENDER + " writing there");
        }
    }

    private static boolean writesTo(LoggerContext context, String stream) {
        Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
        return appender instanceof ConsoleAppender<ILoggingEvent> console && stream.equals(console.getTarget());
    }
}
