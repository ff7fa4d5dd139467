package dev.hostel.gateway.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.tomlj.Toml;

/**
 * Reads typed values out of a {@link KeyTable}, adding a {@link ConfigError} with the key's line
 * for every wrong type or value and going on, so that all errors of a file are found in one pass.
 * Each getter returns empty when the key is absent or invalid; {@link #require} tells the two
 * apart.
 */
final class Fields {

    private final String file;
    private final KeyTable table;
    private final List<ConfigError> errors;
    private final List<String> path;
    private final int tableLine;

    Fields(String file, KeyTable table, List<ConfigError> errors) {
        this(file, table, errors, List.of(), ConfigError.NO_LINE);
    }

    private Fields(
            String file,
            KeyTable table,
            List<ConfigError> errors,
            List<String> path,
            int tableLine) {
        this.file = file;
        this.table = table;
        this.errors = errors;
        this.path = path;
        this.tableLine = tableLine;
    }

    /**
     * The fields of the nested table at {@code key}, or empty (with an error) when it is not a
     * table.
     */
    Optional<Fields> table(String key) {
        return value(key, KeyTable.class, "a table")
                .map(
                        t -> {
                            List<String> p = new ArrayList<>(path);
                            p.add(key);
                            return new Fields(file, t, errors, List.copyOf(p), line(key));
                        });
    }

    KeyTable keyTable() {
        return table;
    }

    boolean has(String key) {
        return table.contains(key);
    }

    /** The key's line; for an absent key, the line of the enclosing table (0 for the top level). */
    int line(String key) {
        int line = table.line(key);
        return line == ConfigError.NO_LINE ? tableLine : line;
    }

    /** The key as it is printed in messages: dotted and TOML-quoted where needed. */
    String qualified(String key) {
        List<String> p = new ArrayList<>(path);
        p.add(key);
        return p.size() == 1 && isBareKey(key) ? key : Toml.joinKeyPath(p);
    }

    private static boolean isBareKey(String key) {
        return !key.isEmpty()
                && key.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-');
    }

    void error(String key, String message) {
        errors.add(new ConfigError(file, line(key), qualified(key), message));
    }

    /** Reports {@code key} as missing unless present; returns whether it is present. */
    boolean require(String key, String example) {
        if (has(key)) {
            return true;
        }
        errors.add(
                new ConfigError(
                        file, tableLine, qualified(key), "is required (e.g. " + example + ")"));
        return false;
    }

    /** Reports every key not in {@code known}, suggesting the nearest known key. */
    void rejectUnknown(Collection<String> known) {
        for (String key : table.keys()) {
            if (!known.contains(key)) {
                String hint = nearest(key, known);
                error(key, "unknown key" + (hint == null ? "" : " (did you mean " + hint + "?)"));
            }
        }
    }

    Optional<String> string(String key) {
        return value(key, String.class, "a string");
    }

    Optional<Boolean> bool(String key) {
        return value(key, Boolean.class, "a boolean (true or false)");
    }

    /** An integer in {@code min..max}. */
    Optional<Long> integer(String key, long min, long max) {
        return value(key, Long.class, "an integer")
                .flatMap(
                        n -> {
                            if (n < min || n > max) {
                                error(
                                        key,
                                        max == Long.MAX_VALUE
                                                ? n + " is less than " + min
                                                : n
                                                        + " is out of range ("
                                                        + min
                                                        + ".."
                                                        + max
                                                        + ")");
                                return Optional.empty();
                            }
                            return Optional.of(n);
                        });
    }

    /** An array of strings. */
    Optional<List<String>> strings(String key) {
        return value(key, List.class, "an array of strings")
                .flatMap(
                        list -> {
                            List<String> out = new ArrayList<>(list.size());
                            for (Object o : list) {
                                if (!(o instanceof String s)) {
                                    error(
                                            key,
                                            "expected an array of strings, found "
                                                    + KeyTable.typeOf(o)
                                                    + " in it");
                                    return Optional.empty();
                                }
                                out.add(s);
                            }
                            return Optional.of(List.copyOf(out));
                        });
    }

    /**
     * A size, written as a string ({@code "128M"}) or an integer number of bytes, at least {@code
     * min}.
     */
    Optional<Long> size(String key, long min, String why) {
        Object v = table.get(key);
        if (v == null) {
            return Optional.empty();
        }
        long bytes;
        if (v instanceof Long n) {
            bytes = n;
        } else if (v instanceof String s) {
            try {
                bytes = Units.parseSize(s);
            } catch (IllegalArgumentException e) {
                error(key, e.getMessage());
                return Optional.empty();
            }
        } else {
            error(key, "expected a size such as \"128M\", found " + KeyTable.typeOf(v));
            return Optional.empty();
        }
        if (bytes < min) {
            error(
                    key,
                    Units.formatSize(bytes)
                            + " is below the minimum of "
                            + Units.formatSize(min)
                            + why);
            return Optional.empty();
        }
        return Optional.of(bytes);
    }

    /** A duration, written as a string ({@code "30s"}) or an integer number of seconds. */
    Optional<Duration> duration(String key, boolean zeroAllowed) {
        Object v = table.get(key);
        if (v == null) {
            return Optional.empty();
        }
        Duration d;
        if (v instanceof Long n) {
            if (n < 0) {
                error(key, n + " is negative");
                return Optional.empty();
            }
            d = Duration.ofSeconds(n);
        } else if (v instanceof String s) {
            try {
                d = Units.parseDuration(s);
            } catch (IllegalArgumentException e) {
                error(key, e.getMessage());
                return Optional.empty();
            }
        } else {
            error(key, "expected a duration such as \"30s\", found " + KeyTable.typeOf(v));
            return Optional.empty();
        }
        if (d.isZero() && !zeroAllowed) {
            error(key, "must be more than 0");
            return Optional.empty();
        }
        return Optional.of(d);
    }

    private <T> Optional<T> value(String key, Class<T> type, String expected) {
        Object v = table.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!type.isInstance(v)) {
            error(key, "expected " + expected + ", found " + KeyTable.typeOf(v));
            return Optional.empty();
        }
        return Optional.of(type.cast(v));
    }

    /** The known key closest to {@code key} by edit distance, if close enough to be a typo. */
    private static String nearest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT).replace('-', '_'), k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(1, Math.min(3, key.length() / 3)) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
