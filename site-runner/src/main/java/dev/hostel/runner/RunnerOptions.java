package dev.hostel.runner;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The runner's command line, parsed and validated where it enters, then immutable.
 *
 * <pre>
 * --site NAME --socket /abs/runner.sock --app module.sub:callable --root /abs/site/root
 * [--python-path /abs/dir]... [--threads N]
 * </pre>
 *
 * <p>Both {@code --key value} and {@code --key=value} are accepted. {@code --app module} alone means
 * {@code module:application}, as in gunicorn. Syntax only is checked here; whether the root exists
 * and the module imports is {@link JythonApp}'s business, because the operator fixes those in the
 * site file rather than in the gateway.
 *
 * @param site the site's name, used in log lines and thread names
 * @param socket absolute path of the Unix socket to listen on
 * @param module dotted module name to import
 * @param callable attribute of the module (dotted for nested attributes) that is the WSGI app
 * @param root absolute site root, put first on {@code sys.path}
 * @param pythonPath absolute extra {@code sys.path} entries, in order, after the root
 * @param threads size of the WSGI worker pool
 */
public record RunnerOptions(String site, Path socket, String module, String callable, Path root,
                            List<Path> pythonPath, int threads) {

    /** Worker threads when {@code --threads} is not given (the site file's default). */
    public static final int DEFAULT_THREADS = 8;
    static final int MAX_THREADS = 1024;
    /** sun_path is 108 bytes on Linux, including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    static final String USAGE = "usage: RunnerMain --site NAME --socket /abs/runner.sock"
            + " --app module.sub:callable --root /abs/site/root [--python-path /abs/dir]... [--threads N]";

    /** A dotted Python name: a module path or an attribute path. */
    static final Pattern DOTTED = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    public RunnerOptions {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(callable, "callable");
        Objects.requireNonNull(root, "root");
        pythonPath = List.copyOf(pythonPath);
    }

    /** {@code module:callable}, as the operator wrote it in the site file. */
    public String app() {
        return module + ":" + callable;
    }

    /**
     * Parses the runner's arguments.
     *
     * @throws IllegalArgumentException naming the option and the bad value
     */
    public static RunnerOptions parse(String... args) {
        String site = null;
        String socket = null;
        String app = null;
        String root = null;
        String threads = null;
        List<Path> pythonPath = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--site", "--socket", "--app", "--root", "--python-path", "--threads" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + ": missing value");
                        }
                        value = args[++i];
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument: " + arg);
            }
            switch (name) {
                case "--site" -> site = once(name, site, value);
                case "--socket" -> socket = once(name, socket, value);
                case "--app" -> app = once(name, app, value);
                case "--root" -> root = once(name, root, value);
                case "--threads" -> threads = once(name, threads, value);
                default -> pythonPath.add(absolute(name, value));
            }
        }
        require("--site", site);
        require("--socket", socket);
        require("--app", app);
        require("--root", root);
        if (site.isBlank()) {
            throw new IllegalArgumentException("--site: must not be empty");
        }
        Path socketPath = absolute("--socket", socket);
        if (socket.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("--socket: path longer than " + MAX_SOCKET_PATH_BYTES
                    + " bytes, the limit of a Unix socket address: " + socket);
        }
        String module = app;
        String callable = "application";
        int colon = app.indexOf(':');
        if (colon >= 0) {
            module = app.substring(0, colon);
            callable = app.substring(colon + 1);
        }
        if (!DOTTED.matcher(module).matches() || !DOTTED.matcher(callable).matches()) {
            throw new IllegalArgumentException("--app: expected module.sub:callable, got '" + app + "'");
        }
        return new RunnerOptions(site, socketPath, module, callable, absolute("--root", root), pythonPath,
                threads == null ? DEFAULT_THREADS : threads(threads));
    }

    private static String once(String name, String previous, String value) {
        if (previous != null) {
            throw new IllegalArgumentException(name + ": given twice ('" + previous + "' and '" + value + "')");
        }
        return value;
    }

    private static void require(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": required");
        }
    }

    private static Path absolute(String name, String value) {
        if (value.isEmpty() || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + ": not a path: '" + value + "'");
        }
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException(name + ": must be an absolute path, got '" + value + "'");
        }
        return path.normalize();
    }

    private static int threads(String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--threads: not a number: '" + value + "'");
        }
        if (n < 1 || n > MAX_THREADS) {
            throw new IllegalArgumentException("--threads: must be between 1 and " + MAX_THREADS + ", got " + n);
        }
        return n;
    }
}
