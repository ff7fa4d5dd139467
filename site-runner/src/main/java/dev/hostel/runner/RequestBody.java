package dev.hostel.runner;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * One request's body on its way from the event loop to the worker thread running the application.
 *
 * <p>A small queue of buffers with back-pressure: when more than {@link #HIGH_WATER} bytes wait,
 * the channel's auto-read is switched off, so the gateway (and behind it the client) is held back by
 * TCP flow control; once the worker has drained the queue to {@link #LOW_WATER} it is switched back
 * on, which issues the next {@code read()}. A 1 GB upload therefore never sits in memory.
 *
 * <p>The event loop calls {@link #offer}, {@link #end} and {@link #fail}; the worker calls
 * {@link #take} and finally {@link #abandon}, after which whatever still arrives is discarded so the
 * connection can carry the next request.
 */
final class RequestBody {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    private final Channel channel;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private long queued;
    private boolean ended;
    private boolean truncated;
    private boolean abandoned;
    private boolean paused;

    RequestBody(Channel channel) {
        this.channel = channel;
    }

    /** Queues a chunk, taking ownership of it. Event loop only. */
    synchronized void offer(ByteBuf chunk) {
        if (abandoned || ended || !chunk.isReadable()) {
            chunk.release();
            return;
        }
        chunks.add(chunk);
        queued += chunk.readableBytes();
        if (queued > HIGH_WATER && !paused) {
            paused = true;
            channel.config().setAutoRead(false);
        }
        notifyAll();
    }

    /** The last chunk has arrived. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** The connection closed before the body was complete: readers get an error, not a short body. */
    synchronized void fail() {
        if (!ended) {
            ended = true;
            truncated = true;
        }
        notifyAll();
    }

    /**
     * Moves up to {@code max} bytes into {@code out}, waiting until at least one is there; with
     * {@code toNewline} it stops after the first {@code '\n'}.
     *
     * @return the number of bytes moved, or -1 at the end of the body
     * @throws IOException if the client went away before the body was complete
     */
    synchronized int take(ByteArrayOutputStream out, int max, boolean toNewline) throws IOException {
        if (max <= 0) {
            return 0;
        }
        while (chunks.isEmpty()) {
            if (truncated) {
                throw new IOException("the client disconnected before the request body was complete");
            }
            if (ended || abandoned) {
                return -1;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the request body");
            }
        }
        ByteBuf head = chunks.peek();
        int n = Math.min(max, head.readableBytes());
        if (toNewline) {
            int newline = head.indexOf(head.readerIndex(), head.readerIndex() + n, (byte) '\n');
            if (newline >= 0) {
                n = newline - head.readerIndex() + 1;
            }
        }
        head.readBytes(out, n);
        if (!head.isReadable()) {
            chunks.poll().release();
        }
        queued -= n;
        resumeIfDrained();
        return n;
    }

    /** The worker is done with this body: drop what is queued and discard the rest as it arrives. */
    synchronized void abandon() {
        abandoned = true;
        ByteBuf chunk;
        while ((chunk = chunks.poll()) != null) {
            chunk.release();
        }
        queued = 0;
        resumeIfDrained();
        notifyAll();
    }

    /** The bytes queued and not yet read. */
    synchronized long queued() {
        return queued;
    }

    /** Whether the whole body has arrived (or the connection ended it). */
    synchronized boolean isComplete() {
        return ended;
    }

    private void resumeIfDrained() {
        if (paused && queued <= LOW_WATER) {
            paused = false;
            // Thread-safe: setAutoRead(true) issues channel.read(), which Netty runs on the event loop.
            channel.config().setAutoRead(true);
        }
    }
}
