package dev.hostel.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when a configuration file or text is invalid. Carries every error found in it, not just
 * the first; {@link #getMessage()} is one {@link ConfigError} per line.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    /** Creates an exception carrying {@code errors}, which must not be empty. */
    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The errors, sorted by file and line as they were found. */
    public List<ConfigError> errors() {
        return errors;
    }
}
