package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The target on the runner connection's wire is what the client sent, less a fragment. */
class RunnerTargetTest {

    /** What Netty's request encoder (the one in the runner connection's HttpClientCodec) writes for the target. */
    private static String onTheWire(String clientTargetLatin1) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestEncoder());
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                RunnerTarget.forRunner(clientTargetLatin1)));
        ByteBuf wire = channel.readOutbound();
        String line = wire.toString(StandardCharsets.ISO_8859_1);
        wire.release();
        assertFalse(channel.finishAndReleaseAll());
        return line.substring("GET ".length(), line.indexOf(" HTTP/1.1"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // client's bytes, shown as latin-1           | runner gets
            "/plain?a=1                                    | /plain?a=1",
            "/p?a=1#frag                                   | /p?a=1",
            "/p#frag?b=2                                   | /p",
            "/\u00c3\u00a0%20k                             | /\u00c3\u00a0%20k",
            "/caf\u00c3\u00a9?q=\u00e2\u0082\u00ac          | /caf\u00c3\u00a9?q=\u00e2\u0082\u00ac",
            "/latin1-\u00e9?x=\u00ff                        | /latin1-%E9?x=%FF",
            "/\u00e9/\u00c3\u00a0                           | /%E9/\u00c3\u00a0",
    })
    void forwardedTargetKeepsTheClientsBytes(String sent, String forwarded) {
        assertEquals(forwarded, onTheWire(sent));
    }
}
