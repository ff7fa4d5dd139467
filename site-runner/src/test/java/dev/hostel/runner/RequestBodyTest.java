package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request body queue and its back-pressure on the channel's auto-read. */
class RequestBodyTest {

    @Test
    void autoReadIsOffAboveTheHighWaterMarkAndBackOnOnceDrained() throws IOException {
        EmbeddedChannel channel = new EmbeddedChannel();
        RequestBody body = new RequestBody(channel);
        List<ByteBuf> offered = new ArrayList<>();
        int chunk = 32 * 1024;
        for (int i = 0; i * chunk <= RequestBody.HIGH_WATER; i++) {
            assertTrue(channel.config().isAutoRead(), "still reading after " + i + " chunks");
            ByteBuf buf = Unpooled.buffer(chunk).writeZero(chunk);
            offered.add(buf);
            body.offer(buf);
        }
        assertFalse(channel.config().isAutoRead(), "paused above the high-water mark");

        long total = (long) offered.size() * chunk;
        long taken = 0;
        while (total - taken > RequestBody.LOW_WATER) {
            assertFalse(channel.config().isAutoRead());
            taken += body.take(chunk, false).length;
        }
        assertTrue(channel.config().isAutoRead(), "reading again once drained to the low-water mark");

        body.abandon();
        offered.forEach(buf -> assertEquals(0, buf.refCnt(), "every queued buffer is released"));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void takeStopsAfterANewlineAndReportsTheEnd() throws IOException {
        EmbeddedChannel channel = new EmbeddedChannel();
        RequestBody body = new RequestBody(channel);
        body.offer(Unpooled.copiedBuffer("ab\ncd", StandardCharsets.US_ASCII));
        body.end();
        assertArrayEquals("ab\n".getBytes(StandardCharsets.US_ASCII), body.take(100, true));
        assertArrayEquals("cd".getBytes(StandardCharsets.US_ASCII), body.take(100, true));
        assertNull(body.take(100, true));
        assertNull(body.take(100, false), "the end stays the end");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void takeGathersQueuedChunksIntoOneArrayAndFindsANewlineInALaterChunk() throws IOException {
        EmbeddedChannel channel = new EmbeddedChannel();
        RequestBody body = new RequestBody(channel);
        ByteBuf first = Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII);
        ByteBuf second = Unpooled.copiedBuffer("de\nfg", StandardCharsets.US_ASCII);
        body.offer(first);
        body.offer(second);
        assertArrayEquals("abcde\n".getBytes(StandardCharsets.US_ASCII), body.take(100, true));
        assertEquals(0, first.refCnt(), "a chunk read to its end is released");
        assertArrayEquals("f".getBytes(StandardCharsets.US_ASCII), body.take(1, false));
        body.end(); // a read of more than is queued waits for the rest, or the end
        assertArrayEquals("g".getBytes(StandardCharsets.US_ASCII), body.take(100, false));
        body.abandon();
        assertEquals(0, second.refCnt());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void aBodyCutShortByTheClientIsAnErrorNotAShortBody() {
        EmbeddedChannel channel = new EmbeddedChannel();
        RequestBody body = new RequestBody(channel);
        body.fail();
        assertThrows(IOException.class, () -> body.take(10, false));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void chunksArrivingAfterAbandonAreReleased() {
        EmbeddedChannel channel = new EmbeddedChannel();
        RequestBody body = new RequestBody(channel);
        body.abandon();
        ByteBuf late = Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII);
        body.offer(late);
        assertEquals(0, late.refCnt());
        assertTrue(channel.config().isAutoRead());
        assertFalse(channel.finishAndReleaseAll());
    }
}
