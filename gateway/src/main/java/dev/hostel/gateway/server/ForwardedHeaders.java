package dev.hostel.gateway.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Header rewriting at the proxy boundary. Hop-by-hop headers (RFC 9110 section 7.6.1: {@code Connection} and
 * the fields it names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer},
 * {@code Upgrade}) belong to one connection and are removed in both directions; the request gains
 * {@code X-Forwarded-For/Proto/Host/Port}; a response header carrying CR or LF is refused, so that a runner can
 * never split a response.
 */
final class ForwardedHeaders {
    private static final List<AsciiString> HOP_BY_HOP = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE);
    /**
     * Fields that a {@code Connection} header may name but that are never dropped for it: the message's framing
     * and its Host. Dropping them on a client's say-so would let the runner frame the body differently from the
     * gateway (request smuggling on the pooled runner connection).
     */
    private static final List<AsciiString> NEVER_HOP_BY_HOP = List.of(
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST);
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");

    private ForwardedHeaders() {
    }

    /**
     * Prepares a client's request headers for the runner. {@code Transfer-Encoding} is kept (the body is
     * relayed chunk by chunk as it came); {@code Expect} is removed because the gateway answers it.
     */
    static void toRunner(HttpHeaders headers, String clientIp, String scheme, int localPort) {
        removeHopByHop(headers);
        headers.remove(HttpHeaderNames.EXPECT);
        // Several X-Forwarded-For lines are one comma-separated list (RFC 9110 section 5.3): keep every hop.
        List<String> previous = headers.getAll(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, previous.isEmpty() ? clientIp : String.join(", ", previous) + ", " + clientIp);
        headers.set(X_FORWARDED_PROTO, scheme);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(X_FORWARDED_HOST, host);
        }
        headers.set(X_FORWARDED_PORT, localPort);
    }

    /**
     * Prepares a runner's response headers for the client; the framing ({@code Content-Length} or chunked) is
     * set by the caller. Returns {@code false} when a header carries CR or LF: the response must not be sent.
     */
    static boolean toClient(HttpHeaders headers) {
        removeHopByHop(headers);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            if (hasLineBreak(header.getKey()) || hasLineBreak(header.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasLineBreak(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                return true;
            }
        }
        return false;
    }

    private static boolean isNeverHopByHop(String name) {
        for (AsciiString kept : NEVER_HOP_BY_HOP) {
            if (kept.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static void removeHopByHop(HttpHeaders headers) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !isNeverHopByHop(name)) {
                    headers.remove(name);
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }
}
