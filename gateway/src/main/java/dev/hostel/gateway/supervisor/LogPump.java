package dev.hostel.gateway.supervisor;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Copies a spare runner's stderr into a log file the gateway opens, on a thread of its own: first the spare pool's
 * log, then, once a site claims the spare ({@link #switchTo}), that site's log. The runner runs as the site's user
 * and could not open a log the gateway owns; this way it never needs to, and what the JVM itself writes to its
 * stderr (a warning, a crash report) lands in the site's log as well.
 */
final class LogPump {
    private static final Logger LOG = Logger.getLogger(LogPump.class.getName());

    private final InputStream from;
    private OutputStream to;

    private LogPump(InputStream from, OutputStream to) {
        this.from = from;
        this.to = to;
    }

    /** Starts copying {@code from} to the end of {@code log}, until {@code from} ends. */
    static LogPump start(InputStream from, Path log, String threadName) throws IOException {
        LogPump pump = new LogPump(from, new FileOutputStream(log.toFile(), true));
        Thread thread = new Thread(pump::run, threadName);
        thread.setDaemon(true);
        thread.start();
        return pump;
    }

    /** From now on, appends to {@code log}; what was read before stays where it went. */
    void switchTo(Path log) throws IOException {
        OutputStream next = new FileOutputStream(log.toFile(), true);
        OutputStream previous;
        synchronized (this) {
            previous = to;
            to = next;
        }
        previous.close();
    }

    private void run() {
        byte[] buf = new byte[8192];
        try (from) {
            int n;
            while ((n = from.read(buf)) != -1) {
                synchronized (this) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "log pump ended", e);
        } finally {
            synchronized (this) {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // nothing more to write
                }
            }
        }
    }
}
