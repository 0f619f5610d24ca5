package dev.qkdbench.controller.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's headless Chromium against a {@link FakeDaemon} on the real clock:
 * the plots must fill with points, keep changing, and actually draw; the buttons must reach the
 * daemon. Skipped where Chromium or its driver is not installed. Leaves a screenshot in the
 * build directory.
 */
class DashboardBrowserTest {
    private static final List<String> PLOTS =
            List.of("plot-count-rate", "plot-qber", "plot-key-rate", "plot-sync", "plot-store");
    private static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * Counts, per plot, the pixels inside the plot area the page reports (clear of the axis
     * labels, which may be drawn in a series' colour) within a small distance of one of its
     * series' colours.
     */
    private static final String COUNT_SERIES_PIXELS = """
            const out = {};
            const plots = window.qkdDashboard.snapshot().plots;
            for (const id of arguments[0]) {
              const c = document.getElementById(id);
              const a = plots[id].area;
              const colors = Object.values(plots[id].series).map(s =>
                  [1, 3, 5].map(i => parseInt(s.color.substr(i, 2), 16)));
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let y = a.y0 + 1; y < a.y1; y++) {
                for (let x = a.x0 + 1; x < a.x1; x++) {
                  const p = (y * c.width + x) * 4;
                  if (colors.some(k => Math.abs(d[p] - k[0]) + Math.abs(d[p + 1] - k[1]) + Math.abs(d[p + 2] - k[2]) < 40)) n++;
                }
              }
              out[id] = n;
            }
            return out;
            """;

    private FakeDaemon daemon;
    private HttpApiServer server;
    private WebDriver driver;

    @BeforeAll
    static void requireChromium() {
        assumeTrue(HeadlessChromium.available(), HeadlessChromium.CHROMIUM + " or " + HeadlessChromium.CHROMEDRIVER
                + " is not installed");
    }

    @BeforeEach
    void startBrowser(@TempDir Path profile) {
        serve(FakeDaemon.bob(System::nanoTime));
        driver = HeadlessChromium.start(profile);
    }

    private void serve(FakeDaemon fake) {
        if (server != null) {
            server.close();
        }
        daemon = fake;
        server = HttpApiServer.start("127.0.0.1", 0, fake, ApiMetrics.forDaemon(fake));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void plotsFillWithLiveDataAndDraw() throws Exception {
        driver.get("http://127.0.0.1:" + server.port() + "/");

        Map<String, Object> first = await("every plot has two points", s -> {
            for (String id : PLOTS) {
                if (points(s, id) < 2) {
                    return false;
                }
            }
            return true;
        });
        long firstPolls = number(first.get("polls")).longValue();
        Map<String, Object> second = await("three more polls", s -> number(s.get("polls")).longValue() >= firstPolls + 3);
        assertEquals(0L, number(second.get("errors")).longValue(), "no failed poll: " + second.get("lastError"));

        // First, so a failure below still leaves a picture to look at.
        Path shot = HeadlessChromium.buildDirectory().resolve("dashboard.png");
        Files.createDirectories(shot.getParent());
        Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), shot,
                StandardCopyOption.REPLACE_EXISTING);
        assertTrue(Files.size(shot) > 10_000, "screenshot written to " + shot);

        for (String id : PLOTS) {
            assertTrue(points(second, id) > points(first, id), id + " gained points: " + plot(second, id));
        }
        assertEquals(FakeDaemon.DETECTORS.size(), series(second, "plot-count-rate").size(), "one line per detector");
        assertNotEquals(last(first, "plot-count-rate", "D0"), last(second, "plot-count-rate", "D0"),
                "the count rate moved");
        assertNotEquals(last(first, "plot-key-rate", "secret_key_rate"), last(second, "plot-key-rate", "secret_key_rate"),
                "the key rate moved");
        double storedBits = last(second, "plot-store", "bits");
        assertTrue(storedBits > last(first, "plot-store", "bits"), "the store filled: " + plot(second, "plot-store"));
        assertTrue(storedBits <= daemon.status().keyStore().bits(), "the store never shows more than the daemon has");
        assertTrue(last(second, "plot-qber", "test_qber") > 0);

        for (String id : PLOTS) {
            // Read both in one script: the page may poll again between two separate reads.
            List<?> both = (List<?>) js().executeScript("return [document.getElementById(arguments[0]).dataset.points,"
                    + " window.qkdDashboard.snapshot().plots[arguments[0]].points];", id);
            assertEquals(String.valueOf(number(both.get(1)).longValue()), both.get(0), "data-points of " + id);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> drawn = (Map<String, Object>) js().executeScript(COUNT_SERIES_PIXELS, PLOTS);
        for (String id : PLOTS) {
            assertTrue(number(drawn.get(id)).longValue() > 10, id + " has its lines drawn: " + drawn);
        }

        assertEquals(daemon.status().devices().size(),
                driver.findElements(By.cssSelector("#devices-table tbody tr")).size(), "one row per device");
        assertEquals("running", driver.findElement(By.id("production")).getText());
        await("the blocks table filled", s -> !driver.findElements(
                By.cssSelector("#blocks-table tbody tr td:first-child")).get(0).getText().startsWith("no blocks"));

    }

    @Test
    void aliceWithoutSyncOrDetectorsStillPlotsHerStore() {
        serve(FakeDaemon.alice(System::nanoTime));
        driver.get("http://127.0.0.1:" + server.port() + "/");

        Map<String, Object> s = await("the store plot has points after 3 polls",
                snap -> number(snap.get("polls")).longValue() >= 3 && points(snap, "plot-store") >= 2);
        assertEquals(0L, number(s.get("errors")).longValue(), "no failed poll: " + s.get("lastError"));
        assertEquals(0L, points(s, "plot-sync"), "Alice has no sync to plot");
        assertEquals(0L, points(s, "plot-count-rate"), "Alice has no detectors");
        assertTrue(series(s, "plot-count-rate").isEmpty());
        assertEquals("n/a on alice", driver.findElement(By.id("sync-state")).getText());
        assertEquals(daemon.status().devices().size(),
                driver.findElements(By.cssSelector("#devices-table tbody tr")).size());
    }

    @Test
    void pauseButtonReachesTheDaemon() {
        driver.get("http://127.0.0.1:" + server.port() + "/");
        await("the first poll", s -> number(s.get("polls")).longValue() >= 1);

        driver.findElement(By.id("btn-pause")).click();
        new WebDriverWait(driver, WAIT).until(d -> daemon.pauseCalls() == 1);
        new WebDriverWait(driver, WAIT).until(d -> "paused".equals(d.findElement(By.id("production")).getText()));
        assertEquals("paused", daemon.status().production());
        new WebDriverWait(driver, WAIT).until(d -> "operator".equals(d.findElement(By.id("paused-for")).getText()));
        assertFalse(driver.findElement(By.id("btn-pause")).isEnabled(), "pause is disabled while paused");

        driver.findElement(By.id("btn-start")).click();
        new WebDriverWait(driver, WAIT).until(d -> daemon.startCalls() == 1);
        assertEquals("running", daemon.status().production());
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private JavascriptExecutor js() {
        return (JavascriptExecutor) driver;
    }

    /** Polls the page's snapshot until {@code done} holds, for at most {@link #WAIT}. */
    private Map<String, Object> await(String what, Predicate<Map<String, Object>> done) {
        WebDriverWait wait = new WebDriverWait(driver, WAIT, Duration.ofMillis(100));
        wait.withMessage(() -> what + "; the dashboard holds " + snapshot());
        return wait.until(d -> {
            Map<String, Object> s = snapshot();
            return s != null && done.test(s) ? s : null;
        });
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> snapshot() {
        return (Map<String, Object>) js().executeScript(
                "return window.qkdDashboard ? window.qkdDashboard.snapshot() : null;");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plot(Map<String, Object> snapshot, String id) {
        return (Map<String, Object>) ((Map<String, Object>) snapshot.get("plots")).get(id);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> series(Map<String, Object> snapshot, String id) {
        return (Map<String, Object>) plot(snapshot, id).get("series");
    }

    private static long points(Map<String, Object> snapshot, String id) {
        return number(plot(snapshot, id).get("points")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static double last(Map<String, Object> snapshot, String id, String key) {
        Map<String, Object> s = (Map<String, Object>) series(snapshot, id).get(key);
        assertTrue(s != null && s.get("last") != null, id + " has a value of " + key + ": " + plot(snapshot, id));
        return number(s.get("last")).doubleValue();
    }

    private static Number number(Object o) {
        return (Number) o;
    }

}
