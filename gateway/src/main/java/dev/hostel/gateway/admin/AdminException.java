package dev.hostel.gateway.admin;

import dev.hostel.gateway.config.ConfigError;

import java.util.List;

/**
 * A command the controller refuses, with the status and the error body the client gets:
 * {@code {"error": "...", "field": "...", "line": N}}.
 */
final class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String field;
    private final int line;
    private final List<ConfigError> errors;

    AdminException(int status, String error) {
        this(status, error, null, ConfigError.NO_LINE, List.of());
    }

    AdminException(int status, String error, String field, int line) {
        this(status, error, field, line, List.of());
    }

    private AdminException(int status, String error, String field, int line, List<ConfigError> errors) {
        // A refusal is an answer, not a failure of ours: no stack trace to fill in.
        super(error, null, false, false);
        this.status = status;
        this.field = field;
        this.line = line;
        this.errors = List.copyOf(errors);
    }

    /**
     * Every error of a configuration text, as a response with {@code status}: the first one (they are sorted by
     * line) makes {@code error}, {@code field} and {@code line}; all of them are listed under {@code errors}.
     */
    static AdminException of(int status, List<ConfigError> errors) {
        ConfigError first = errors.get(0);
        return new AdminException(status, describe(first), first.key().isEmpty() ? null : first.key(),
                first.line(), errors);
    }

    /** {@code file:line: key: message}, without the {@code :0} of an error that has no line. */
    static String describe(ConfigError error) {
        if (error.line() > 0) {
            return error.toString();
        }
        return error.file() + ": " + (error.key().isEmpty() ? "" : error.key() + ": ") + error.message();
    }

    int status() {
        return status;
    }

    /** The configuration key at fault, or {@code null}. */
    String field() {
        return field;
    }

    /** The line of the key in the body, or 0. */
    int line() {
        return line;
    }

    /** Every configuration error behind this one; empty when it is not about a configuration text. */
    List<ConfigError> errors() {
        return errors;
    }
}
