package dev.hostel.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.python.core.Py;
import org.python.core.PyException;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PySystemState;
import org.python.core.imp;

/**
 * The site's WSGI callable inside the one Jython interpreter of this process.
 *
 * <p>Jython is initialized once per JVM ({@code python.import.site=false}: it halves start-up time
 * and footprint), and {@code sys.path} is set explicitly: the site root first, then the extra
 * entries. Python's {@code sys.stdout} is pointed at {@code sys.stderr} so that nothing the
 * application prints can reach the gateway's stdout pipe, which carries only the READY line; both
 * end in the site's log. When the import fails, {@link AppLoadException} tells the operator which
 * module, which {@code sys.path}, the traceback, and what to check (as modjy does).
 *
 * <p>Jython 2.7 has no GIL; every worker thread must carry this interpreter's
 * {@link PySystemState}, which {@link #workerThreadFactory(String)} arranges.
 */
public final class JythonApp {
    private static final String HINT = "hint: check `app` and `root` in the site file"
            + " (app is module:callable; root is put first on sys.path)";
    private static final PyObject FILE_WRAPPER = new FileWrapper();
    private static PySystemState initialized;

    private final String site;
    private final PySystemState state;
    private final PyObject callable;
    private final PyObject fileWrapper;

    private JythonApp(String site, PySystemState state, PyObject callable, PyObject fileWrapper) {
        this.site = site;
        this.state = state;
        this.callable = callable;
        this.fileWrapper = fileWrapper;
    }

    /** Loads the application named by the runner's options. */
    public static JythonApp load(RunnerOptions options) throws AppLoadException {
        return load(options.site(), options.module(), options.callable(), options.root(), options.pythonPath());
    }

    /**
     * Boots Jython if needed, puts {@code root} then {@code pythonPath} first on {@code sys.path} and
     * imports {@code module}'s {@code callable} (a dotted attribute path).
     *
     * @throws AppLoadException with a message for the operator: the root is missing, the import
     *     raised, or the attribute is missing or not callable
     */
    public static JythonApp load(String site, String module, String callable, Path root, List<Path> pythonPath)
            throws AppLoadException {
        String app = module + ":" + callable;
        if (!Files.isDirectory(root)) {
            throw new AppLoadException("IOError: root " + root + " is not a directory",
                    "cannot load the WSGI application '" + app + "' of site '" + site
                    + "': root " + root + " is not a directory\n" + HINT + "\n");
        }
        PySystemState state = interpreter();
        Py.setSystemState(state);
        synchronized (JythonApp.class) {
            PyList path = state.path;
            for (int i = pythonPath.size() - 1; i >= 0; i--) {
                addFirst(path, pythonPath.get(i));
            }
            addFirst(path, root);
        }
        List<Path> folders = new java.util.ArrayList<>(pythonPath);
        folders.add(root);
        PyObject target;
        try (ImportLock ignored = ImportLock.acquire(folders)) {
            target = imp.importName(module, false);
        } catch (Throwable e) {
            throw new AppLoadException(lastLine(traceback(e)),
                    "cannot load the WSGI application '" + app + "' of site '" + site
                    + "': importing module '" + module + "' failed\n"
                    + traceback(e)
                    + "sys.path = " + state.path + "\n" + HINT + "\n");
        }
        String[] names = callable.split("\\.");
        for (String name : names) {
            PyObject next = target.__findattr__(name);
            if (next == null) {
                throw new AppLoadException("AttributeError: " + target + " has no attribute '" + name + "'",
                        "cannot load the WSGI application '" + app + "' of site '" + site
                        + "': " + target + " has no attribute '" + name + "'\n" + HINT + "\n");
            }
            target = next;
        }
        if (!target.isCallable()) {
            String kind = target.getType().fastGetName();
            throw new AppLoadException("TypeError: '" + callable + "' is a " + kind + ", not a callable",
                    "cannot load the WSGI application '" + app + "' of site '" + site
                    + "': '" + callable + "' is a " + kind + ", not a callable\n" + HINT + "\n");
        }
        return new JythonApp(site, state, target, FILE_WRAPPER);
    }

    /**
     * An application around a callable made in this process rather than imported: a spare runner's warm-up app.
     */
    static JythonApp of(String site, PyObject callable) {
        PySystemState state = interpreter();
        Py.setSystemState(state);
        return new JythonApp(site, state, callable, FILE_WRAPPER);
    }

    /**
     * When the gateway gave an unpacked {@code python.home}, the standard library is read from there, and the
     * {@code jython-standalone.jar/Lib} entry is dropped from {@code sys.path}: importing through it makes
     * Jython index the whole jar, about 24 MB of heap in every runner and 0.2 s of start-up.
     */
    private static void dropJarLibraryWhenUnpacked(PySystemState state) {
        String home = System.getProperty("python.home");
        if (home == null || !Files.isDirectory(Path.of(home, "Lib"))) {
            return;
        }
        PyList path = state.path;
        for (Object entry : new java.util.ArrayList<Object>(path)) {
            if (entry.toString().endsWith(".jar/Lib")) {
                path.remove(entry);
            }
        }
    }

    /** Initializes Jython once per JVM and returns its system state; a spare runner calls it before it has a site. */
    static synchronized PySystemState interpreter() {
        if (initialized == null) {
            Properties overrides = new Properties();
            overrides.setProperty("python.import.site", "false");
            // The package cache would be written next to the jar by every runner at once; skip it.
            overrides.setProperty("python.cachedir.skip", "true");
            // Left unset, Jython runs `locale charmap` in a child process to learn it (a fork of this JVM, and a
            // reaper thread kept for good); the JDK has read the same answer from the locale already.
            overrides.setProperty("python.console.encoding",
                    System.getProperty("native.encoding", System.getProperty("file.encoding")));
            PySystemState.initialize(System.getProperties(), overrides, new String[] {""});
            PySystemState state = Py.getSystemState();
            state.stdout = state.stderr;
            dropJarLibraryWhenUnpacked(state);
            // Python 2's imports miss often (see the two classes); make a miss cost what it costs CPython.
            IndexedSyspathLoader.install(state, ClassFileIndex.readInBackground());
            ImportMissCache.install(state);
            // site.py would have imported os; without it, the first import of posixpath (wsgiref.util, among
            // others, does one) runs into os's circular import of os.path and fails with "cannot import name curdir".
            imp.importName("os", false);
            initialized = state;
        }
        return initialized;
    }

    private static void addFirst(PyList path, Path entry) {
        PyObject value = Py.newStringOrUnicode(entry.toString());
        if (path.__contains__(value)) {
            path.remove(value);
        }
        path.insert(0, value);
    }

    /** The last line of a traceback: the exception and its message. */
    private static String lastLine(String traceback) {
        String[] lines = traceback.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String traceback(Throwable e) {
        String text = e instanceof PyException ? e.toString() : Py.JavaError(e).toString();
        return text.endsWith("\n") ? text : text + "\n";
    }

    /** The site this application belongs to. */
    public String site() {
        return site;
    }

    /** The WSGI callable. */
    PyObject callable() {
        return callable;
    }

    /** {@code sys.stderr}, the site's log: the application's {@code wsgi.errors}. */
    PyObject errors() {
        return state.stderr;
    }

    /** {@link FileWrapper}: the application's {@code wsgi.file_wrapper}. */
    PyObject fileWrapper() {
        return fileWrapper;
    }

    /**
     * Threads for the WSGI worker pool: daemons (a stuck request must not keep a stopping runner
     * alive) that carry this interpreter's system state before running anything.
     */
    ThreadFactory workerThreadFactory(String namePrefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(() -> {
                Py.setSystemState(state);
                task.run();
            }, namePrefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
