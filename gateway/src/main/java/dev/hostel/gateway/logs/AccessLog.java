package dev.hostel.gateway.logs;

import dev.hostel.gateway.server.RequestObserver;
import dev.hostel.gateway.server.RequestRecord;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The access logs: {@code log_dir/NAME.access.log} per site, {@code log_dir/_gateway.access.log} for requests that
 * matched no site, one {@link CombinedLogFormat} line per answered request. {@link #completed} runs on the event
 * loop and only offers the record to a bounded queue; one background thread formats and writes, flushing after
 * each batch. When the disk cannot keep up and the queue is full, records are dropped rather than slowing the
 * gateway down: they are counted ({@link #dropped()}) and the gateway log says so once.
 */
public final class AccessLog implements RequestObserver, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AccessLog.class.getName());
    /** The file name (without {@code .access.log}) of the requests that matched no site. */
    public static final String NO_SITE = "_gateway";
    static final int QUEUE = 16 * 1024;
    private static final int BATCH = 512;

    private final Path dir;
    private final CombinedLogFormat format;
    /** How long the writer lets records gather between batches while traffic flows. */
    private static final long BATCH_PAUSE_MILLIS = 20;
    private final BlockingQueue<RequestRecord> queue;
    private final Map<String, Writer> files = new HashMap<>();
    /** Sites whose file could not be opened, so that the gateway log says so once, not once per batch. */
    private final Set<String> unopenable = new HashSet<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean dropReported = new AtomicBoolean();
    private final Thread writer;
    private volatile boolean closed;

    public AccessLog(Path dir) {
        this(dir, ZoneId.systemDefault(), QUEUE);
    }

    AccessLog(Path dir, ZoneId zone, int capacity) {
        this.dir = dir;
        this.format = new CombinedLogFormat(zone);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::run, "hostel-access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void completed(RequestRecord record) {
        if (!queue.offer(record)) {
            dropped.incrementAndGet();
        }
    }

    /** Records dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** The file of {@code site}'s access log. */
    public Path fileOf(String site) {
        return dir.resolve(site + ".access.log");
    }

    private void run() {
        List<RequestRecord> batch = new ArrayList<>(BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                if (queue.drainTo(batch, BATCH) == 0) {
                    // Idle: block until a record comes. Under traffic the loop below never blocks on the queue,
                    // so that offering a record does not wake this thread (an unpark, a system call) per request.
                    RequestRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
                write(batch);
                batch.clear();
                Thread.sleep(BATCH_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                closed = true;
            }
        }
        closeFiles();
    }

    private void write(List<RequestRecord> batch) {
        Map<String, Writer> touched = new HashMap<>();
        for (RequestRecord r : batch) {
            String site = r.site() == null ? NO_SITE : r.site();
            Writer out = touched.computeIfAbsent(site, this::open);
            if (out == null) {
                continue;
            }
            try {
                out.write(format.format(r));
            } catch (IOException e) {
                LOG.warning(() -> "access log of " + site + ": " + e + "; reopening it");
                forget(site);
                touched.remove(site);
            }
        }
        for (Map.Entry<String, Writer> e : touched.entrySet()) {
            try {
                e.getValue().flush();
            } catch (IOException ex) {
                forget(e.getKey());
            }
        }
        if (dropped.get() > 0 && dropReported.compareAndSet(false, true)) {
            LOG.warning(() -> "access log: the disk does not keep up; " + dropped.get() + " lines dropped so far"
                    + " (counted, not written; said once)");
        }
    }

    private Writer open(String site) {
        Writer out = files.get(site);
        if (out != null) {
            return out;
        }
        try {
            Files.createDirectories(dir);
            OutputStream stream = Files.newOutputStream(fileOf(site), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
            files.put(site, out);
            unopenable.remove(site);
            return out;
        } catch (IOException e) {
            if (unopenable.add(site)) {
                LOG.warning(() -> "cannot open the access log " + fileOf(site) + ": " + e + "; its lines are lost");
            }
            return null;
        }
    }

    private void forget(String site) {
        Writer out = files.remove(site);
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // already failing; the next line reopens it
            }
        }
    }

    private void closeFiles() {
        for (String site : List.copyOf(files.keySet())) {
            forget(site);
        }
    }

    /** Writes what is queued and closes the files. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
