package dev.hostel.gateway.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * A table of keys with the line each was written on, read from TOML or JSON, so that one validator
 * serves both. Values are {@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@code
 * List<Object>}, {@code KeyTable}, {@link #NULL} and {@link BigInteger} (JSON only) or another
 * parsed object (TOML dates).
 */
final class KeyTable {

    /** JSON's {@code null}. */
    static final Object NULL =
            new Object() {
                @Override
                public String toString() {
                    return "null";
                }
            };

    private static final JsonFactory JSON =
            JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private record Entry(Object value, int line) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private KeyTable() {}

    /** The keys, in the order they were written (TOML: tomlj's order). */
    Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** The value of {@code key}, or null when absent. */
    Object get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.value();
    }

    /** The 1-based line of {@code key}, or {@link ConfigError#NO_LINE} when absent or unknown. */
    int line(String key) {
        Entry e = entries.get(key);
        return e == null ? ConfigError.NO_LINE : e.line();
    }

    /**
     * Parses TOML text; on syntax errors adds one error per tomlj error to {@code errors} and
     * returns null.
     */
    static KeyTable parseToml(String text, String file, List<ConfigError> errors) {
        TomlParseResult result = Toml.parse(text);
        if (result.hasErrors()) {
            for (TomlParseError e : result.errors()) {
                int line = e.position() == null ? ConfigError.NO_LINE : e.position().line();
                errors.add(
                        new ConfigError(
                                file, line, ConfigError.SYNTAX, stripPosition(e.getMessage())));
            }
            return null;
        }
        return fromToml(result);
    }

    private static String stripPosition(String message) {
        // tomlj appends " (line L, column C)" to some messages; the line is already in front.
        return message.replaceFirst("\\s*\\(line \\d+, column \\d+\\)$", "");
    }

    private static KeyTable fromToml(TomlTable toml) {
        KeyTable table = new KeyTable();
        for (String key : toml.keySet()) {
            List<String> path = List.of(key);
            TomlPosition pos = toml.inputPositionOf(path);
            table.entries.put(
                    key, new Entry(fromToml(toml.get(path)), pos == null ? 0 : pos.line()));
        }
        return table;
    }

    private static Object fromToml(Object value) {
        if (value instanceof TomlTable t) {
            return fromToml(t);
        }
        if (value instanceof TomlArray a) {
            List<Object> list = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                list.add(fromToml(a.get(i)));
            }
            return Collections.unmodifiableList(list);
        }
        return value;
    }

    /**
     * Parses a JSON object; on a syntax error (or a root that is not an object) adds an error to
     * {@code errors} and returns null. Lines come from Jackson's token locations.
     */
    static KeyTable parseJson(String text, String file, List<ConfigError> errors) {
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                errors.add(
                        new ConfigError(
                                file,
                                Math.max(1, p.currentTokenLocation().getLineNr()),
                                ConfigError.SYNTAX,
                                "expected a JSON object { ... } with the keys of a site file"));
                return null;
            }
            KeyTable table = readObject(p);
            if (p.nextToken() != null) {
                errors.add(
                        new ConfigError(
                                file,
                                p.currentTokenLocation().getLineNr(),
                                ConfigError.SYNTAX,
                                "unexpected content after the JSON object"));
                return null;
            }
            return table;
        } catch (JsonProcessingException e) {
            int line =
                    e.getLocation() == null
                            ? ConfigError.NO_LINE
                            : Math.max(0, e.getLocation().getLineNr());
            errors.add(new ConfigError(file, line, ConfigError.SYNTAX, e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            errors.add(
                    new ConfigError(
                            file,
                            ConfigError.NO_LINE,
                            ConfigError.SYNTAX,
                            String.valueOf(e.getMessage())));
            return null;
        }
    }

    /**
     * Reads the object whose START_OBJECT is the current token, up to and including its END_OBJECT.
     */
    private static KeyTable readObject(JsonParser p) throws IOException {
        KeyTable table = new KeyTable();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            int line = p.currentTokenLocation().getLineNr();
            p.nextToken();
            table.entries.put(key, new Entry(readValue(p), line));
        }
        return table;
    }

    private static Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        return switch (t) {
            case START_OBJECT -> readObject(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(p));
                }
                yield Collections.unmodifiableList(list);
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT ->
                    p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            ? p
                                    .getBigIntegerValue() // too large for a long: reported as a
                                                          // wrong type
                            : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw new IllegalStateException("unexpected JSON token " + t);
        };
    }

    /** Names the type of a value for an error message: "a string", "an integer", ... */
    static String typeOf(Object value) {
        if (value instanceof String s) {
            return "a string (" + Units.quote(s) + ")";
        }
        if (value instanceof Long || value instanceof Double) {
            return (value instanceof Long ? "an integer (" : "a float (") + value + ")";
        }
        if (value instanceof BigInteger n) {
            return "an integer too large for 64 bits (" + n + ")";
        }
        if (value instanceof Boolean b) {
            return "a boolean (" + b + ")";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof KeyTable) {
            return "a table";
        }
        if (value == NULL) {
            return "null";
        }
        return "a date/time (" + value + ")";
    }
}
