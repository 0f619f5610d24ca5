package dev.qkdbench.controller.api;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium and chromedriver driven by Selenium, headless, with the flags this network
 * needs (STACK.md): nothing is downloaded and no background connection is attempted.
 */
public final class HeadlessChromium {
    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private HeadlessChromium() {
    }

    /** Whether both executables are installed ({@code .ci/run} installs them). */
    public static boolean available() {
        return new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
    }

    /** A fresh browser with its profile in {@code profile}; quit it when done. */
    public static WebDriver start(Path profile) {
        // Both paths given, so Selenium Manager neither looks for nor downloads anything.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=1400,2100", "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * The Maven build directory, for screenshots: {@code qkd.buildDir} when the build passes it,
     * else the parent of the test-classes directory this class was loaded from (so
     * {@code -Dqkd.buildDir=target-x} builds are honoured either way), else {@code target}.
     */
    public static Path buildDirectory() {
        String configured = System.getProperty("qkd.buildDir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            Path classes = Path.of(HeadlessChromium.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (classes.getFileName() != null && "test-classes".equals(classes.getFileName().toString())) {
                return classes.getParent();
            }
        } catch (URISyntaxException | SecurityException e) {
            // fall through to the conventional directory
        }
        return Path.of("target");
    }
}
