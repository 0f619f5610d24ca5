package dev.qkdbench.controller.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The dashboard's three files, read from the class path once at start-up: a jar missing one is a
 * packaging bug, better reported when the daemon starts than when an operator opens the page.
 *
 * <p>The page loads nothing from elsewhere (the bench network has no internet), which lets the
 * HTML carry a Content-Security-Policy allowing only its own origin.
 */
final class DashboardAssets {
    /** Same-origin only: no inline script, no CDN, no framing by other pages. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final ApiResponse page;
    private final ApiResponse script;
    private final ApiResponse style;

    private DashboardAssets(ApiResponse page, ApiResponse script, ApiResponse style) {
        this.page = page;
        this.script = script;
        this.style = style;
    }

    /**
     * Reads {@code dashboard.html}, {@code dashboard.js} and {@code dashboard.css} from this
     * package's class-path directory.
     *
     * @throws IllegalStateException naming the resource that is missing
     */
    static DashboardAssets load() {
        return new DashboardAssets(
                ApiResponse.text("text/html; charset=utf-8", read("dashboard.html"),
                        Map.of("Content-Security-Policy", CONTENT_SECURITY_POLICY)),
                ApiResponse.text("text/javascript; charset=utf-8", read("dashboard.js"), Map.of()),
                ApiResponse.text("text/css; charset=utf-8", read("dashboard.css"), Map.of()));
    }

    ApiResponse page() {
        return page;
    }

    ApiResponse script() {
        return script;
    }

    ApiResponse style() {
        return style;
    }

    private static String read(String name) {
        String where = DashboardAssets.class.getPackageName().replace('.', '/') + "/" + name;
        try (InputStream in = DashboardAssets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard resource " + where + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard resource " + where, e);
        }
    }
}
