package dev.hostel.runner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The line that turns a spare runner into a site's runner:
 *
 * <pre>
 * LOAD {"site": "blog", "socket": "/abs/blog.0.7.sock", "app": "blog.wsgi:application", "root": "/abs/blog",
 *       "python_path": ["/abs/lib"], "threads": 8, "env": {"KEY": "value"},
 *       "user": {"uid": 800123, "gid": 800123, "name": "800123", "home": "/", "import_locks": "/abs/run/800123/import-locks"}}
 * </pre>
 *
 * <p>{@code user} is there when the spare was started privileged (Hostel runs as root): the spare becomes that
 * user ({@link UserSwitch}) before anything of the site is touched.
 *
 * <p>The fields other than {@code env} are the runner's command-line options and are validated by
 * {@link RunnerOptions#parse} exactly as they would be on a command line, so a spare and a normal start accept
 * and refuse the same sites.
 *
 * @param arguments the equivalent command line of a normal runner
 * @param env       what the site's {@code env} adds to {@code os.environ}
 * @param user      whom to become first, when the spare runs privileged
 */
record LoadCommand(List<String> arguments, Map<String, String> env, Optional<UserSwitch> user) {
    static final String PREFIX = "LOAD ";

    LoadCommand {
        arguments = List.copyOf(arguments);
        env = Map.copyOf(env);
    }

    /**
     * Reads a {@code LOAD <json>} line.
     *
     * @throws IllegalArgumentException for a line of another shape, bad JSON, or a field of the wrong type
     */
    static LoadCommand parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("expected 'LOAD {...}', got '" + abbreviate(line) + "'");
        }
        if (!(TinyJson.parse(line.substring(PREFIX.length())) instanceof Map<?, ?> fields)) {
            throw new IllegalArgumentException("LOAD: expected a JSON object");
        }
        List<String> arguments = new ArrayList<>();
        for (String key : List.of("site", "socket", "app", "root")) {
            arguments.add("--" + key);
            arguments.add(string(fields, key));
        }
        Object pythonPath = fields.get("python_path");
        if (pythonPath != null) {
            if (!(pythonPath instanceof List<?> entries)) {
                throw new IllegalArgumentException("LOAD: python_path: expected a list of strings");
            }
            for (Object entry : entries) {
                if (!(entry instanceof String s)) {
                    throw new IllegalArgumentException("LOAD: python_path: expected a list of strings");
                }
                arguments.add("--python-path");
                arguments.add(s);
            }
        }
        Object threads = fields.get("threads");
        if (threads != null) {
            if (!(threads instanceof Long n)) {
                throw new IllegalArgumentException("LOAD: threads: expected an integer");
            }
            arguments.add("--threads");
            arguments.add(Long.toString(n));
        }
        Map<String, String> env = new LinkedHashMap<>();
        Object environment = fields.get("env");
        if (environment != null) {
            if (!(environment instanceof Map<?, ?> entries)) {
                throw new IllegalArgumentException("LOAD: env: expected an object of strings");
            }
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                if (!(e.getValue() instanceof String value)) {
                    throw new IllegalArgumentException("LOAD: env: " + e.getKey() + ": expected a string");
                }
                env.put((String) e.getKey(), value);
            }
        }
        return new LoadCommand(arguments, env, user(fields.get("user")));
    }

    /** The options, validated as a normal runner's command line would be. */
    RunnerOptions options() {
        return RunnerOptions.parse(arguments.toArray(String[]::new));
    }

    private static Optional<UserSwitch> user(Object user) {
        if (user == null) {
            return Optional.empty();
        }
        if (!(user instanceof Map<?, ?> fields) || !(fields.get("uid") instanceof Long uid)
                || !(fields.get("gid") instanceof Long gid)) {
            throw new IllegalArgumentException("LOAD: user: expected an object with integers uid and gid");
        }
        return Optional.of(new UserSwitch(Math.toIntExact(uid), Math.toIntExact(gid), string(fields, "name"),
                string(fields, "home"), string(fields, "import_locks")));
    }

    private static String string(Map<?, ?> fields, String key) {
        if (!(fields.get(key) instanceof String value)) {
            throw new IllegalArgumentException("LOAD: " + key + ": required, a string");
        }
        return value;
    }

    private static String abbreviate(String line) {
        return line.length() <= 40 ? line : line.substring(0, 40) + "...";
    }
}
