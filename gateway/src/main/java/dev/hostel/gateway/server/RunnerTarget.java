package dev.hostel.gateway.server;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/**
 * The request target as it is forwarded to a runner: the bytes the client sent, without a fragment.
 *
 * <p>Netty's request decoder reads the request line as latin-1 (one char per byte), and its request encoder
 * writes the target as UTF-8, so a raw non-ASCII byte would reach the runner re-encoded ({@code C3 A0} as
 * {@code C3 83 C2 A0}) and the app's {@code PATH_INFO} would not be what the client sent (PEP 3333 wants those
 * bytes). Valid UTF-8 in the target (what browsers send) is therefore handed to the encoder as the text those
 * bytes spell, which it writes back as the same bytes; a byte that is not part of valid UTF-8 is sent as its
 * {@code %XX} escape, which the runner decodes into the same byte of {@code PATH_INFO} (in {@code QUERY_STRING}
 * it stays escaped, and query parsers decode it into that byte).
 *
 * <p>A fragment ({@code #...}) is never part of a request (RFC 9110 section 4.2.5); one that a client sends
 * anyway is dropped, as nginx and gunicorn do, so that it does not end up in {@code QUERY_STRING}.
 */
final class RunnerTarget {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RunnerTarget() {
    }

    /** {@code uri} as the request decoder gave it (latin-1), ready for the runner connection's encoder. */
    static String forRunner(String uri) {
        int fragment = uri.indexOf('#');
        String target = fragment < 0 ? uri : uri.substring(0, fragment);
        if (isAscii(target)) {
            return target;
        }
        ByteBuffer in = ByteBuffer.wrap(target.getBytes(StandardCharsets.ISO_8859_1));
        // Each byte becomes at most one char, or three for an escape: never more room needed.
        CharBuffer out = CharBuffer.allocate(in.remaining() * 3);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        CoderResult result;
        while ((result = utf8.decode(in, out, true)).isError()) {
            for (int i = 0; i < result.length(); i++) {
                int b = in.get() & 0xFF;
                out.put('%').put(HEX[b >> 4]).put(HEX[b & 0xF]);
            }
        }
        utf8.flush(out);
        return out.flip().toString();
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
