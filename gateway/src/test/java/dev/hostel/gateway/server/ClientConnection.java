package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * An {@link EmbeddedChannel} that reads like a socket with {@code AUTO_READ} off. {@code writeInbound} would
 * fire {@code channelRead} whether or not the pipeline asked for data; here, what the client {@link #send sends}
 * waits (as in the kernel's receive buffer) until a {@code read()} reaches the head of the pipeline, and each
 * {@code read()} delivers one chunk, as one NIO read cycle does. Time is frozen and moves only by
 * {@link #advance}. Everything written to the client is collected as bytes, file regions included.
 */
final class ClientConnection extends EmbeddedChannel {
    private final ArrayDeque<ByteBuf> unread = new ArrayDeque<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean readPending;
    private int parsed;
    private int fileRegions;

    ClientConnection(ChannelHandler initializer) throws Exception {
        super(EmbeddedChannel.builder().register(false));
        config().setAutoRead(false);
        pipeline().addLast(initializer);
        register();
        freezeTime();
        runPendingTasks();
        checkException();
    }

    @Override
    protected void doBeginRead() {
        // A real transport only registers read interest here; the read itself comes later from the event loop.
        readPending = true;
        eventLoop().execute(this::deliver);
    }

    private void deliver() {
        if (readPending && isActive() && !unread.isEmpty()) {
            readPending = false;
            // channelRead + channelReadComplete, then the tasks the read cycle queued (a close's deregistration,
            // for one), as the event loop would run them after the cycle.
            writeInbound(unread.poll());
        }
    }

    @Override
    protected void doClose() throws Exception {
        super.doClose();
        ByteBuf buf;
        while ((buf = unread.poll()) != null) {
            buf.release();
        }
    }

    /** The client sends these bytes in one TCP segment (one read). */
    ClientConnection send(String text) {
        unread.add(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        deliver();
        runPendingTasks();
        checkException();
        return this;
    }

    /** Moves the event loop's clock and runs what became due. */
    ClientConnection advance(long amount, TimeUnit unit) {
        advanceTimeBy(amount, unit);
        runPendingTasks();
        checkException();
        return this;
    }

    /** Whether a read is requested: the gateway waits for the client. */
    boolean isReading() {
        return readPending;
    }

    /** Bytes the client sent that the gateway has not read (yet). */
    int unreadChunks() {
        return unread.size();
    }

    /** How many file regions (zero-copy bodies) were written so far. */
    int fileRegions() {
        drain();
        return fileRegions;
    }

    /** The next complete response the client received; {@code toHead} when it answers a HEAD (no body). */
    Response response(boolean toHead) {
        drain();
        byte[] all = received.toByteArray();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n", parsed);
        if (end < 0) {
            fail("no complete response head in " + text.substring(parsed));
        }
        String[] lines = text.substring(parsed, end).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        assertEquals("HTTP/1.1", statusLine[0], lines[0]);
        int status = Integer.parseInt(statusLine[1]);
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
        }
        int bodyStart = end + 4;
        int length = 0;
        if (!toHead && status != 304 && status != 204 && status >= 200) {
            String contentLength = headers.get("content-length");
            if (contentLength == null) {
                fail("a locally answered response without Content-Length: " + lines[0]);
            }
            length = Integer.parseInt(contentLength);
        }
        if (all.length < bodyStart + length) {
            fail("body of " + lines[0] + " is incomplete: " + (all.length - bodyStart) + " of " + length);
        }
        parsed = bodyStart + length;
        return new Response(status, headers, new String(all, bodyStart, length, StandardCharsets.ISO_8859_1));
    }

    Response response() {
        return response(false);
    }

    /** Asserts that nothing (more) was written to the client. */
    void assertNothingMore() {
        drain();
        assertEquals(parsed, received.size(), () -> "unexpected bytes to the client: "
                + new String(received.toByteArray(), parsed, received.size() - parsed, StandardCharsets.ISO_8859_1));
    }

    private void drain() {
        Object msg;
        while ((msg = readOutbound()) != null) {
            try {
                if (msg instanceof ByteBuf buf) {
                    buf.readBytes(received, buf.readableBytes());
                } else if (msg instanceof FileRegion region) {
                    fileRegions++;
                    WritableByteChannel out = Channels.newChannel(received);
                    while (region.transferred() < region.count()) {
                        assertTrue(region.transferTo(out, region.transferred()) > 0, "file region stalled");
                    }
                } else {
                    fail("unexpected outbound message " + msg);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** One response as the client parsed it. */
    record Response(int status, HttpHeaders headers, String body) {
        String header(CharSequence name) {
            return headers.get(name);
        }

        boolean closes() {
            return "close".equalsIgnoreCase(headers.get("connection"));
        }
    }
}
