package dev.hostel.gateway.config;

import static java.util.Objects.requireNonNull;

/**
 * One problem in a configuration file, printed as {@code file:line: key: what is wrong}, for
 * example {@code conf/sites.d/blog.toml:4: memory: "12X" is not a size (use e.g. 128M)}.
 *
 * @param file the file as the operator knows it (relative to the working directory when it lies
 *     below it), or a label such as {@code blog.json} for text that came from the admin API
 * @param line the 1-based line of the key, or {@value #NO_LINE} when the error concerns the file as
 *     a whole (a missing required key, an unreadable file)
 * @param key the key, dotted for nested keys ({@code env.FOO}, {@code static."/s/"}); {@value
 *     #SYNTAX} for a TOML or JSON syntax error; empty when no key applies
 * @param message what is wrong, naming the bad value
 */
public record ConfigError(String file, int line, String key, String message) {

    /** The line of an error that concerns no particular line. */
    public static final int NO_LINE = 0;

    /** The key of a syntax error. */
    public static final String SYNTAX = "syntax";

    public ConfigError {
        requireNonNull(file, "file");
        requireNonNull(key, "key");
        requireNonNull(message, "message");
    }

    /**
     * Returns {@code file:line: key: message}, without {@code key: } when there is no key and
     * without {@code line:} when there is no line ({@code blog.toml: hosts: is required}).
     */
    @Override
    public String toString() {
        String where = line == NO_LINE ? file + ": " : file + ":" + line + ": ";
        return key.isEmpty() ? where + message : where + key + ": " + message;
    }
}
