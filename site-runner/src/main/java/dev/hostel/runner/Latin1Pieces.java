package dev.hostel.runner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * The bytes of a response's byte strings (Jython {@code str}: Java strings of chars 0-255, stored by the JDK as
 * one byte each) in pooled direct buffers of at most a given size, ready for the socket.
 *
 * <p>Each string's bytes are copied out in small slices through a per-thread scratch array: the JDK copies a
 * Latin-1 string's slice with {@code arraycopy}, and the direct buffer is what the transport writes from, so a
 * 1 MB body is copied twice in cache-sized pieces and leaves no garbage. {@code String.getBytes(charset)} made a
 * heap array of the whole body each time, which the transport then copied again into a direct buffer of its own.
 */
final class Latin1Pieces {
    private static final int SLICE = 32 * 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SLICE]);

    private final List<String> chunks;
    private final int pieceSize;
    private long remaining;
    private int chunk;
    private int offset;

    /** The first {@code length} bytes of {@code chunks}, in buffers of at most {@code pieceSize} bytes. */
    Latin1Pieces(List<String> chunks, long length, int pieceSize) {
        this.chunks = chunks;
        this.remaining = length;
        this.pieceSize = pieceSize;
    }

    /** The next buffer (the caller owns it), or {@code null} when all {@code length} bytes were given. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char, as wanted
    ByteBuf next(ByteBufAllocator alloc) {
        if (remaining == 0) {
            return null;
        }
        int size = (int) Math.min(pieceSize, remaining);
        ByteBuf piece = alloc.directBuffer(size);
        byte[] scratch = SCRATCH.get();
        while (piece.readableBytes() < size) {
            String text = chunks.get(chunk);
            int n = Math.min(Math.min(SLICE, text.length() - offset), size - piece.readableBytes());
            text.getBytes(offset, offset + n, scratch, 0);
            piece.writeBytes(scratch, 0, n);
            offset += n;
            if (offset == text.length()) {
                chunk++;
                offset = 0;
            }
        }
        remaining -= size;
        return piece;
    }

    /** Nothing more is wanted. */
    void discard() {
        remaining = 0;
    }
}
