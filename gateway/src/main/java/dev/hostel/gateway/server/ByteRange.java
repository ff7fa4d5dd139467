package dev.hostel.gateway.server;

/**
 * Parses a {@code Range} header (RFC 9110 section 14.1.2) into one inclusive byte span. Several ranges are not
 * served as multipart; the whole file is sent instead, which the RFC allows.
 */
final class ByteRange {
    /** The range cannot be satisfied: 416. */
    static final long[] UNSATISFIABLE = new long[0];

    private ByteRange() {
    }

    /** {@code {first, last}}, {@code null} to ignore the header (send it all), or {@link #UNSATISFIABLE}. */
    static long[] parse(String header, long length) {
        if (!header.startsWith("bytes=") || header.indexOf(',') >= 0) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix <= 0) {
                    return UNSATISFIABLE;
                }
                return length == 0 ? UNSATISFIABLE : new long[] {Math.max(0, length - suffix), length - 1};
            }
            long from = Long.parseLong(first);
            long to = last.isEmpty() ? length - 1 : Math.min(Long.parseLong(last), length - 1);
            if (from >= length || from > to) {
                return UNSATISFIABLE;
            }
            return new long[] {from, to};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
