package dev.hostel.gateway.server;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, stricter in two ways. A request with both {@code Content-Length} and
 * {@code Transfer-Encoding} is rejected (400) instead of having its {@code Content-Length} dropped: a proxy that
 * guesses which one the client meant is how request smuggling starts (RFC 9112 section 6.1 allows rejecting).
 * And the version of the request line must be written exactly {@code HTTP/<digit>.<digit>} (RFC 9112 section
 * 2.3: case-sensitive; Netty would take {@code http/1.1}), else 400; a well-formed version other than 1.0 and
 * 1.1 gets 505 (RFC 9110 section 15.6.6), as nginx answers {@code HTTP/2.0} on an HTTP/1 connection.
 */
final class StrictHttpRequestDecoder extends HttpRequestDecoder {
    /** A request line of an HTTP version the gateway does not speak: 505. */
    static final class UnsupportedVersionException extends IllegalArgumentException {
        UnsupportedVersionException(String version) {
            super("unsupported HTTP version " + version);
        }
    }

    StrictHttpRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        String version = initialLine[2];
        if (version.length() != 8 || !version.startsWith("HTTP/") || !isDigit(version.charAt(5))
                || version.charAt(6) != '.' || !isDigit(version.charAt(7))) {
            throw new IllegalArgumentException("malformed HTTP version " + version);
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new UnsupportedVersionException(version);
        }
        return super.createMessage(initialLine);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding: chunked");
    }
}
