package dev.hostel.gateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes and durations as they are written in the configuration.
 *
 * <ul>
 *   <li>A size is a whole number of bytes with an optional binary unit: {@code 1048576}, {@code
 *       64K}, {@code 128M}, {@code 1G}, {@code 2T}; case-insensitive; a trailing {@code B} or
 *       {@code iB} is accepted ({@code 128MB}, {@code 128MiB}), both meaning 1024-based. No
 *       fractions.
 *   <li>A duration is a whole number with an optional unit: {@code 500ms}, {@code 30s}, {@code
 *       10m}, {@code 2h}, {@code 1d}; a plain number is seconds; {@code 0} is zero.
 * </ul>
 *
 * <p>The parse methods throw {@link IllegalArgumentException} with a message that quotes the value
 * and shows an example, ready to be put after {@code file:line: key: }.
 */
public final class Units {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final String[] SIZE_UNITS = {"T", "G", "M", "K"};
    private static final int[] SIZE_SHIFTS = {40, 30, 20, 10};

    private Units() {}

    /** Parses a size such as {@code 128M} into bytes. */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()
                || (m.group(3) != null && m.group(3).startsWith("i") && m.group(2).isEmpty())) {
            throw new IllegalArgumentException(quote(text) + " is not a size (use e.g. 128M)");
        }
        int shift =
                switch (m.group(2)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    case "t" -> 40;
                    default -> 0;
                };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(quote(text) + " is too large a size");
        }
    }

    /**
     * Prints a size with the largest unit that divides it exactly: {@code 134217728} gives {@code
     * 128M}.
     */
    public static String formatSize(long bytes) {
        if (bytes > 0) {
            for (int i = 0; i < SIZE_UNITS.length; i++) {
                long unit = 1L << SIZE_SHIFTS[i];
                if (bytes % unit == 0) {
                    return bytes / unit + SIZE_UNITS[i];
                }
            }
        }
        return Long.toString(bytes);
    }

    /** Parses a duration such as {@code 30s}; a plain number is seconds. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    quote(text) + " is not a duration (use e.g. 30s, 500ms, 10m, 2h)");
        }
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(quote(text) + " is too long a duration");
        }
    }

    /**
     * Prints a duration with the largest unit that divides it exactly: {@code 0}, {@code 500ms},
     * {@code 10m}.
     */
    public static String formatDuration(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.getNano() % 1_000_000 != 0 || d.isNegative()) {
            throw new IllegalArgumentException(
                    "cannot print " + d + " as a configuration duration");
        }
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** Quotes a value for an error message, escaping quotes and control characters. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
