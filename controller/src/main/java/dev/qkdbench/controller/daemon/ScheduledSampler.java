package dev.qkdbench.controller.daemon;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a task once a second on a daemon thread of its own; a failing run is logged, the next one still runs. */
final class ScheduledSampler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScheduledSampler.class);
    private final ScheduledExecutorService timer;

    ScheduledSampler(Runnable task) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("status sampling failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
