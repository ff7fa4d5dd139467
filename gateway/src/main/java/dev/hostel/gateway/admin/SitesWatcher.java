package dev.hostel.gateway.admin;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches {@code sites_dir} like uWSGI's Emperor watches its vassals: a site file dropped in, changed or removed
 * is applied without any command, through the same {@link Controller#reloadAll} as SIGHUP. Events are debounced
 * (an editor's save is several events; a copy arrives in pieces), dotfiles and the {@code .tmp} files of the
 * admin API's own atomic writes are ignored, and what the admin API itself just wrote is already running, so
 * the reload that follows it finds nothing to change.
 *
 * <p>A Kubernetes ConfigMap mounted as {@code sites_dir} changes differently: its {@code NAME.toml} entries are
 * symbolic links through {@code ..data}, itself a link to a hidden timestamped folder, and an update makes a new
 * folder and renames a new {@code ..data} over the old one. The {@code .toml} links never change, so the rename
 * of {@code ..data} is the event that counts.
 */
public final class SitesWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SitesWatcher.class.getName());
    /** Quiet time after the last event before the directory is read again. */
    static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** The link that a ConfigMap volume swaps atomically on every update. */
    static final String CONFIG_MAP_DATA = "..data";

    private final Path dir;
    private final Controller controller;
    private final WatchService watcher;
    private final Thread thread;

    private SitesWatcher(Path dir, Controller controller, WatchService watcher) {
        this.dir = dir;
        this.controller = controller;
        this.watcher = watcher;
        this.thread = new Thread(this::run, "hostel-sites-watcher");
        this.thread.setDaemon(true);
    }

    /** Starts watching {@code dir} (created if missing, so that the first file dropped in is seen). */
    public static SitesWatcher start(Path dir, Controller controller) throws IOException {
        Files.createDirectories(dir);
        WatchService watcher = dir.getFileSystem().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        SitesWatcher w = new SitesWatcher(dir, controller, watcher);
        w.thread.start();
        LOG.fine(() -> "watching " + dir);
        return w;
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean relevant = drain(key);
                // Debounce: keep collecting until the directory has been quiet for a while.
                while (true) {
                    WatchKey more = watcher.poll(DEBOUNCE.toMillis(), TimeUnit.MILLISECONDS);
                    if (more == null) {
                        break;
                    }
                    relevant |= drain(more);
                }
                if (relevant) {
                    controller.reloadAll(dir.getFileName() + " changed").exceptionally(e -> {
                        LOG.log(Level.WARNING, "reload after a change in " + dir + " failed", e);
                        return null;
                    });
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: Hostel is stopping
        }
    }

    /** Whether one of the key's events concerns a site file; re-arms the key. */
    private boolean drain(WatchKey key) {
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                relevant = true;
                continue;
            }
            String name = event.context().toString();
            if (name.endsWith(".toml") && !SiteFiles.isTemporary(name) || name.equals(CONFIG_MAP_DATA)) {
                relevant = true;
            }
        }
        key.reset();
        return relevant;
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.fine(() -> "closing the watcher of " + dir + ": " + e);
        }
        thread.interrupt();
    }
}
