package dev.hostel.gateway.logs;

import dev.hostel.gateway.server.RequestRecord;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One access log line: Apache's Combined Log Format followed by the request time in seconds with millisecond
 * resolution, like nginx's {@code $request_time}:
 * <pre>
 * 127.0.0.1 - - [10/Oct/2025:13:55:36 +0200] "GET /a?b=c HTTP/1.1" 200 2326 "http://ref/" "curl/8.5.0" 0.012
 * </pre>
 * Quotes, backslashes and control characters inside the quoted fields are escaped as nginx does ({@code \x22}),
 * so that a client cannot forge a line. A request whose client left before any response is logged with 499, as
 * nginx does.
 */
final class CombinedLogFormat {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    private final ZoneId zone;
    /**
     * The time field of the last second formatted: lines come in order of their second, mostly many per second,
     * and formatting a date was a sixth of the access-log thread's time at hello -c50 (nginx caches its time
     * strings the same way). Used by the one writer thread only.
     */
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedTime;

    CombinedLogFormat(ZoneId zone) {
        this.zone = zone;
    }

    String time(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            cachedTime = TIME.format(Instant.ofEpochSecond(second).atZone(zone));
            cachedSecond = second;
        }
        return cachedTime;
    }

    String format(RequestRecord r) {
        StringBuilder b = new StringBuilder(160);
        b.append(orDash(r.clientIp())).append(" - - [")
                .append(time(r.startMillis())).append("] \"");
        escape(b, r.method()).append(' ');
        escape(b, r.uri()).append(' ');
        escape(b, r.protocol()).append("\" ")
                .append(r.status() == 0 ? 499 : r.status()).append(' ')
                .append(r.bytes() == 0 ? "-" : Long.toString(r.bytes())).append(" \"");
        escape(b, r.referer() == null ? "-" : r.referer()).append("\" \"");
        escape(b, r.userAgent() == null ? "-" : r.userAgent()).append("\" ");
        long millis = r.durationNanos() / 1_000_000;
        b.append(millis / 1000).append('.');
        long fraction = millis % 1000;
        if (fraction < 100) {
            b.append('0');
        }
        if (fraction < 10) {
            b.append('0');
        }
        return b.append(fraction).append('\n').toString();
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static StringBuilder escape(StringBuilder b, String s) {
        if (s == null) {
            return b.append('-');
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b;
    }
}
