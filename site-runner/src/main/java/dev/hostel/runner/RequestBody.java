package dev.hostel.runner;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
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
    private static final byte[] EMPTY = new byte[0];

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
     * Takes up to {@code max} bytes as one array, waiting until {@code max} bytes are there, the body ended, or
     * reading is paused (more than {@link #HIGH_WATER} queued); with {@code toNewline} it waits for one byte and
     * stops after the first {@code '\n'}. What is taken is gathered (across chunks) into an array of the exact
     * size, so a read of a block costs one copy of its bytes.
     *
     * @return the bytes, or {@code null} at the end of the body
     * @throws IOException if the client went away before the body was complete
     */
    synchronized byte[] take(int max, boolean toNewline) throws IOException {
        if (max <= 0) {
            return EMPTY;
        }
        // A read of n bytes waits for all n and takes them in one piece, unless reading is paused (no more comes
        // until some are taken); a line is taken as soon as any bytes are there.
        long wanted = toNewline ? 1 : max;
        while (queued < wanted && !paused && !ended && !abandoned) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading the request body");
            }
        }
        if (chunks.isEmpty()) {
            if (truncated) {
                throw new IOException("the client disconnected before the request body was complete");
            }
            return null;
        }
        int n = (int) Math.min(max, queued);
        if (toNewline) {
            n = toNewline(n);
        }
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            ByteBuf head = chunks.peek();
            int piece = Math.min(n - done, head.readableBytes());
            head.readBytes(out, done, piece);
            done += piece;
            if (!head.isReadable()) {
                chunks.poll().release();
            }
        }
        queued -= n;
        resumeIfDrained();
        return out;
    }

    /** How many of the first {@code n} queued bytes to take to end at the first newline among them. */
    private int toNewline(int n) {
        int seen = 0;
        for (ByteBuf chunk : chunks) {
            int here = Math.min(n - seen, chunk.readableBytes());
            int newline = chunk.indexOf(chunk.readerIndex(), chunk.readerIndex() + here, (byte) '\n');
            if (newline >= 0) {
                return seen + newline - chunk.readerIndex() + 1;
            }
            seen += here;
            if (seen >= n) {
                break;
            }
        }
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
