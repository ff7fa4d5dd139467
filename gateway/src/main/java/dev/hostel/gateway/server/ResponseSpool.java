package dev.hostel.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;

/**
 * The part of one response that its client could not take yet, in order: first up to {@code proxy_buffer} bytes
 * in memory (within the shared {@code proxy_buffers_total}), then the rest in a temporary file of at most
 * {@code proxy_temp_file_max} bytes. Everything in memory comes before everything in the file. Used on the
 * client connection's event loop only. The file is written and read with plain blocking calls, as nginx does
 * without {@code aio}: they hit the page cache and take microseconds.
 */
final class ResponseSpool {
    /** Bytes read back from the file per write to the client. */
    static final int FILE_READ_SIZE = 64 * 1024;

    private final ResponseBuffers buffers;
    private final ArrayDeque<ByteBuf> memory = new ArrayDeque<>();
    private long memoryBytes;
    private FileChannel file;
    private long fileWritten;
    private long fileRead;
    private boolean closed;

    ResponseSpool(ResponseBuffers buffers) {
        this.buffers = buffers;
    }

    boolean isEmpty() {
        return memory.isEmpty() && fileRead == fileWritten;
    }

    /** Whether nothing more can be held: the runner must wait for the client. */
    boolean isFull() {
        if (fileWritten < buffers.limits().tempFileMax()) {
            return false;
        }
        // The file is full (or not allowed): only memory may take more, and only while the file holds nothing.
        return fileRead != fileWritten || memoryBytes >= buffers.limits().memoryPerResponse()
                || buffers.memoryBytes() >= buffers.limits().memoryTotal();
    }

    /**
     * Appends {@code data}, taking it over (it is released here). The caller reads the runner only while the
     * spool is not {@link #isFull full}, so the limits are passed by at most what one read brought.
     */
    void add(ByteBuf data) throws IOException {
        try {
            int n = data.readableBytes();
            if (n == 0) {
                return;
            }
            boolean noFile = buffers.limits().tempFileMax() == 0;
            if (fileRead == fileWritten && (noFile || memoryBytes + n <= buffers.limits().memoryPerResponse()
                    && buffers.reserveMemory(n))) {
                if (noFile) {
                    // Past the limits by at most what one read from the runner brought: it has already come.
                    buffers.forceMemory(n);
                }
                memory.add(data.retain());
                memoryBytes += n;
                return;
            }
            if (file == null) {
                file = buffers.newTempFile();
            }
            while (data.isReadable()) {
                int written = data.readBytes(file, fileWritten, data.readableBytes());
                fileWritten += written;
                buffers.fileBytes(written);
            }
        } finally {
            data.release();
        }
    }

    /** The next piece to send, or {@code null} when the spool is empty. */
    ByteBuf next(ByteBufAllocator alloc) throws IOException {
        ByteBuf head = memory.poll();
        if (head != null) {
            memoryBytes -= head.readableBytes();
            buffers.releaseMemory(head.readableBytes());
            return head;
        }
        if (fileRead == fileWritten) {
            return null;
        }
        int n = (int) Math.min(FILE_READ_SIZE, fileWritten - fileRead);
        ByteBuf piece = alloc.ioBuffer(n);
        try {
            while (piece.readableBytes() < n) {
                int read = piece.writeBytes(file, fileRead + piece.readableBytes(), n - piece.readableBytes());
                if (read < 0) {
                    throw new IOException("temporary file shorter than written");
                }
            }
        } catch (IOException | RuntimeException e) {
            piece.release();
            throw e;
        }
        fileRead += n;
        buffers.fileBytes(-n);
        if (fileRead == fileWritten) {
            // Drained: the next pieces start the file over, so that a long stream never grows it past its limit.
            fileRead = 0;
            fileWritten = 0;
            file.truncate(0);
        }
        return piece;
    }

    /** Lets go of everything held. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        ByteBuf buf;
        while ((buf = memory.poll()) != null) {
            buffers.releaseMemory(buf.readableBytes());
            buf.release();
        }
        memoryBytes = 0;
        buffers.fileBytes(-(fileWritten - fileRead));
        fileRead = fileWritten = 0;
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // an unlinked file: its space is freed when the descriptor goes, which it does
            }
            file = null;
        }
    }
}
