package dev.hostel.gateway.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Parses a {@code Range} header (RFC 9110 section 14.1.2) into the byte spans to send. The unit is
 * case-insensitive. Spans are sorted and overlapping or adjacent ones coalesced (section 14.2 allows it), so
 * that {@code bytes=0-9,5-19} is one span; more than {@link #MAX_RANGES} ranges are ignored and the whole file
 * is sent, as nginx's {@code max_ranges} does, rather than cut a file into a thousand parts.
 */
final class ByteRange {
    /** The most ranges one request may ask for. */
    static final int MAX_RANGES = 16;

    /** One inclusive span of bytes. */
    record Span(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    /** No range can be satisfied: 416. */
    static final List<Span> UNSATISFIABLE = List.of();

    private ByteRange() {
    }

    /** The spans, sorted and disjoint; {@code null} to ignore the header (send it all); or {@link #UNSATISFIABLE}. */
    static List<Span> parse(String header, long length) {
        int equals = header.indexOf('=');
        if (equals < 0 || !header.substring(0, equals).trim().equalsIgnoreCase("bytes")) {
            return null;
        }
        String[] specs = header.substring(equals + 1).split(",");
        if (specs.length > MAX_RANGES) {
            return null;
        }
        List<Span> spans = new ArrayList<>();
        boolean anySpec = false;
        for (String raw : specs) {
            String spec = raw.trim();
            if (spec.isEmpty()) {
                continue; // "bytes=0-1,,3-4": empty list elements are allowed (RFC 9110 section 5.6.1)
            }
            anySpec = true;
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (!isDigits(first) && !first.isEmpty() || !isDigits(last) && !last.isEmpty()
                    || first.isEmpty() && last.isEmpty()) {
                return null;
            }
            try {
                if (first.isEmpty()) {
                    long suffix = Long.parseLong(last);
                    if (suffix > 0 && length > 0) {
                        spans.add(new Span(Math.max(0, length - suffix), length - 1));
                    }
                    continue;
                }
                long from = Long.parseLong(first);
                long to = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
                if (from < length && from <= to) {
                    spans.add(new Span(from, to));
                }
            } catch (NumberFormatException tooLong) {
                return null;
            }
        }
        if (!anySpec) {
            return null;
        }
        if (spans.isEmpty()) {
            return UNSATISFIABLE;
        }
        spans.sort(Comparator.comparingLong(Span::first));
        List<Span> merged = new ArrayList<>();
        Span current = spans.get(0);
        for (Span next : spans.subList(1, spans.size())) {
            if (next.first() <= current.last() + 1) {
                current = new Span(current.first(), Math.max(current.last(), next.last()));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return merged;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
