package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the handler answers by itself, without running the application. */
class WsgiRequestHandlerTest {
    private static Workers workers;

    @BeforeAll
    static void workers() throws Exception {
        workers = new Workers(SharedRunner.app(), 1);
    }

    @AfterAll
    static void stop() {
        workers.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET / HTTP/1.1\r\n Folded: header\r\n\r\n",
            "NOT-HTTP\r\n\r\n",
    })
    void malformedRequestsGet400AndAClose(String request) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(),
                new WsgiRequestHandler(null, workers));
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        ByteBuf response = channel.readOutbound();
        try {
            assertTrue(response.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 400 Bad Request\r\n"),
                    response.toString(StandardCharsets.ISO_8859_1));
        } finally {
            response.release();
        }
        assertFalse(channel.isOpen());
        assertEquals(0, workers.inFlight(), "nothing reached the application");
        assertFalse(channel.finishAndReleaseAll());
    }
}
