package dev.hostel.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The start of a request body, read before a runner is asked (nginx's {@code client_body_buffer_size}): a body
 * that ends within {@link #LIMIT} reaches the app whole and at once, so a slow uploader holds no worker, and a
 * chunked body over {@code max_body} within it is refused before the app sees any of it. The bytes count against
 * the gateway's shared in-memory allowance ({@code proxy_buffers_total}); when that is spent, or the body is
 * longer, the held part is sent on and the rest streams as it comes.
 */
final class HeldRequestBody {
    /** The most body bytes held per request. */
    static final int LIMIT = 64 * 1024;

    private final ResponseBuffers buffers;
    private final CompositeByteBuf held;
    private long reserved;

    HeldRequestBody(ResponseBuffers buffers, ByteBufAllocator alloc) {
        this.buffers = buffers;
        this.held = alloc.compositeBuffer(Integer.MAX_VALUE);
    }

    /** Holds {@code piece} (taking it over); {@code false} when it is the one that no longer fits: stream now. */
    boolean add(ByteBuf piece) {
        int n = piece.readableBytes();
        held.addComponent(true, piece);
        if (held.readableBytes() > LIMIT || !buffers.reserveMemory(n)) {
            return false;
        }
        reserved += n;
        return true;
    }

    int bytes() {
        return held.readableBytes();
    }

    /** The held bytes, handed over to the caller; this holder is empty afterwards. */
    ByteBuf take() {
        buffers.releaseMemory(reserved);
        reserved = 0;
        return held;
    }

    /** Drops what is held. */
    void release() {
        buffers.releaseMemory(reserved);
        reserved = 0;
        if (held.refCnt() > 0) {
            held.release();
        }
    }
}
