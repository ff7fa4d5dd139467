package dev.hostel.gateway.server;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, except that a request with both {@code Content-Length} and
 * {@code Transfer-Encoding} is rejected (400) instead of having its {@code Content-Length} dropped: a proxy that
 * guesses which one the client meant is how request smuggling starts (RFC 9112 section 6.1 allows rejecting).
 */
final class StrictHttpRequestDecoder extends HttpRequestDecoder {
    StrictHttpRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding: chunked");
    }
}
