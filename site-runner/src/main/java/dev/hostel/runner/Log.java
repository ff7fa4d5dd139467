package dev.hostel.runner;

import org.python.core.Py;

/**
 * The runner's own log lines, on stderr, which the gateway points at the site's log file.
 *
 * <p>Python tracebacks are printed with {@link Py#printException(Throwable)} to the interpreter's
 * {@code sys.stderr}, the same stream the application sees as {@code wsgi.errors}.
 */
final class Log {
    private static volatile String prefix = "hostel-runner: ";

    private Log() {
    }

    static void site(String site) {
        prefix = "hostel-runner[" + site + "]: ";
    }

    static void info(String message) {
        System.err.println(prefix + message);
    }

    /** Logs {@code message} and then {@code failure} as a Python traceback (Java frames included). */
    static void traceback(String message, Throwable failure) {
        System.err.println(prefix + message);
        System.err.flush();
        Py.printException(failure);
    }
}
