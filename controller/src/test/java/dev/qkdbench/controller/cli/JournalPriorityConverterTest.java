package dev.qkdbench.controller.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class JournalPriorityConverterTest {
    @Test
    void levelsMapToTheSdDaemonPriorities() {
        assertEquals(3, JournalPriorityConverter.priority(Level.ERROR));
        assertEquals(4, JournalPriorityConverter.priority(Level.WARN));
        assertEquals(6, JournalPriorityConverter.priority(Level.INFO));
        assertEquals(7, JournalPriorityConverter.priority(Level.DEBUG));
        assertEquals(7, JournalPriorityConverter.priority(Level.TRACE));
    }

    @Test
    void everyLineIsPrefixedButAFinalLineBreakOpensNoEmptyLine() {
        assertEquals("<6>one\n", JournalPriorityConverter.prefixLines("<6>", "one\n"));
        assertEquals("<6>one\n<6>two\n<6>\tat x\n", JournalPriorityConverter.prefixLines("<6>", "one\ntwo\n\tat x\n"));
        assertEquals("<3>no newline", JournalPriorityConverter.prefixLines("<3>", "no newline"));
        assertEquals("<3>a\r\n<3>b\r\n", JournalPriorityConverter.prefixLines("<3>", "a\r\nb\r\n"));
        assertEquals("<3>\n<3>\n", JournalPriorityConverter.prefixLines("<3>", "\n\n"));
        assertEquals("", JournalPriorityConverter.prefixLines("<3>", ""));
    }

    @Test
    void aStackTraceInsideThePatternGetsThePriorityOnEveryLine() {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.getInstanceConverterMap().put("journal", JournalPriorityConverter::new);
        layout.setPattern("%journal(%-5level %logger - %msg%n%ex)");
        layout.start();
        LoggingEvent event = new LoggingEvent("test", context.getLogger("peer"), Level.WARN, "link lost",
                new IOException("connection reset"), null);

        String text = layout.doLayout(event);

        List<String> lines = text.lines().toList();
        assertTrue(lines.size() > 3, text);
        assertEquals("<4>WARN  peer - link lost", lines.get(0));
        assertEquals("<4>java.io.IOException: connection reset", lines.get(1));
        for (String line : lines) {
            assertTrue(line.startsWith("<4>"), "unprefixed line " + line + " in\n" + text);
        }
        assertTrue(text.endsWith("\n") && !text.endsWith("<4>"), text);
    }

    @Test
    void logbackXmlLogsToStdoutWithPrioritiesForTheJournalAndToPlainStderrOtherwise() {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            Logger log = LoggerFactory.getLogger("dev.qkdbench.journal-test");

            long start = System.currentTimeMillis();
            LogTarget.useJournal();
            assertNoConfigurationWarnings(start);
            log.error("first {}", "error");
            log.warn("then a warning");
            log.info("and news");
            String journal = out.toString(StandardCharsets.UTF_8);
            assertTrue(journal.contains("<3>ERROR"), journal);
            assertTrue(journal.lines().anyMatch(l -> l.startsWith("<3>") && l.endsWith("first error")), journal);
            assertTrue(journal.lines().anyMatch(l -> l.startsWith("<4>") && l.endsWith("then a warning")), journal);
            assertTrue(journal.lines().anyMatch(l -> l.startsWith("<6>") && l.endsWith("and news")), journal);
            assertFalse(err.toString(StandardCharsets.UTF_8).contains("and news"), err.toString(StandardCharsets.UTF_8));

            out.reset();
            LogTarget.useStderr();
            assertNoConfigurationWarnings(start);
            log.warn("back on stderr");
            String plain = err.toString(StandardCharsets.UTF_8);
            assertTrue(plain.lines().anyMatch(l -> l.endsWith("back on stderr") && l.contains("WARN")
                    && !l.startsWith("<")), plain);
            assertEquals("", out.toString(StandardCharsets.UTF_8), "stdout must stay clean");
        } finally {
            LogTarget.useStderr();
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    /**
     * Logback prints its whole internal status on stdout after a configuration warning: that must
     * never happen, so {@code logback.xml} must configure without one.
     */
    static void assertNoConfigurationWarnings(long sinceMillis) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        List<Status> problems = context.getStatusManager().getCopyOfStatusList().stream()
                .filter(st -> st.getTimestamp() >= sinceMillis && st.getEffectiveLevel() >= Status.WARN).toList();
        assertEquals(List.of(), problems);
    }
}
