package dev.hostel.gateway.server;

import dev.hostel.gateway.config.ResponseBuffering;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all the {@link ResponseSpool}s of the gateway share: the limits of {@code proxy_buffer},
 * {@code proxy_buffers_total} and {@code proxy_temp_file_max}, the count of bytes held in memory across every
 * connection, and the folder of the temporary files.
 */
public final class ResponseBuffers {
    private final ResponseBuffering limits;
    private final AtomicLong inMemory = new AtomicLong();
    private final AtomicLong inFiles = new AtomicLong();

    public ResponseBuffers(ResponseBuffering limits) {
        this.limits = limits;
    }

    ResponseBuffering limits() {
        return limits;
    }

    /** Takes {@code bytes} of the shared in-memory allowance, or nothing and {@code false} when it is spent. */
    boolean reserveMemory(long bytes) {
        long used;
        do {
            used = inMemory.get();
            if (used + bytes > limits.memoryTotal()) {
                return false;
            }
        } while (!inMemory.compareAndSet(used, used + bytes));
        return true;
    }

    /** Takes {@code bytes} of the in-memory allowance whether or not it is spent. */
    void forceMemory(long bytes) {
        inMemory.addAndGet(bytes);
    }

    void releaseMemory(long bytes) {
        inMemory.addAndGet(-bytes);
    }

    void fileBytes(long delta) {
        inFiles.addAndGet(delta);
    }

    /** Response bytes held in memory for slow clients, across every connection. */
    public long memoryBytes() {
        return inMemory.get();
    }

    /** Response bytes held in temporary files for slow clients, across every connection. */
    public long fileBytes() {
        return inFiles.get();
    }

    /**
     * A new temporary file, already unlinked (as nginx does with its proxy temp files): it lives as long as its
     * channel, and nothing is left behind by a crash.
     */
    FileChannel newTempFile() throws IOException {
        Path dir = Files.createDirectories(limits.tempDir());
        Path file = Files.createTempFile(dir, "response-", ".tmp");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.delete(file);
        return channel;
    }
}
