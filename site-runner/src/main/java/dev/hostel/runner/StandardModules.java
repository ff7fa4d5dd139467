package dev.hostel.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.python.core.Py;
import org.python.core.PyException;
import org.python.core.PyObject;
import org.python.core.PySystemState;
import org.python.core.imp;

/**
 * The warm spare's two halves, both about modules of Jython's own standard library ({@code sys.prefix/Lib}, the
 * unpacked {@code python.home}, or the jar's {@code Lib}): a runner, once ready, {@linkplain #loaded reports} which
 * of its loaded modules are such modules ({@code HOSTEL-MODULES a,b,c} on stdout, after {@code HOSTEL-READY});
 * the gateway hands the last list of the ceiling to its next spare ({@code --spare --preload=a,b,c}), which
 * {@linkplain #preload imports} them before it is claimed. A Django start imports some 195 of them: that is about
 * 3 CPU s of its start on this machine (BENCHMARKS.md, "Framework sites: launch to ready").
 *
 * <p>The spare may still be privileged (root, until {@code LOAD} names the site's user), and the names come from
 * a site's runner: so only names are passed, never paths; they are imported from the spare's {@code sys.path},
 * which holds only Jython's library then (no site root, no {@code python_path}, no {@code ''}), so no site code
 * runs; and the modules whose import reads the environment, the user or the home directory, which the spare would
 * capture wrong, are never preloaded ({@link #NEVER}).
 */
final class StandardModules {
    static final String LINE = "HOSTEL-MODULES";
    /** More than a Django start imports (195); the gateway keeps at most as many. */
    static final int MAX = 400;
    /**
     * Modules (and their submodules) whose import-time state would be the spare's, not the site's: {@code user}
     * runs {@code ~/.pythonrc.py} of {@code HOME}; {@code distutils} and {@code xml.sax} read environment
     * variables at import; {@code webbrowser} reads {@code BROWSER}; the rest are not libraries (they print, open
     * a browser, start a console or install pip), nor is any package's {@code __main__}; {@code site} and
     * {@code *customize} are what {@code python.import.site=false}
     * keeps out. {@code os} and {@code tempfile} are safe: the spare updates {@code os.environ} in place on LOAD,
     * and {@code tempfile} looks for its directory on first use. {@code logging}'s start time is reset on LOAD
     * ({@link #adopted}).
     */
    static final Set<String> NEVER = Set.of("user", "distutils", "xml.sax", "webbrowser", "this", "antigravity",
            "site", "sitecustomize", "usercustomize", "ensurepip", "idlelib", "lib2to3", "pdb", "pydoc", "code",
            "test", "unittest", "doctest", "isql", "dbexts");

    private StandardModules() {
    }

    /** Whether {@code name} may be preloaded: a dotted name, not (under) one of {@link #NEVER}. */
    static boolean preloadable(String name) {
        if (!RunnerOptions.DOTTED.matcher(name).matches()) {
            return false;
        }
        if (name.equals("__main__") || name.endsWith(".__main__")) {
            return false; // a package's command line: runs on import
        }
        for (String never : NEVER) {
            if (name.equals(never) || name.startsWith(never + ".")) {
                return false;
            }
        }
        return true;
    }

    /** The comma-separated names of {@code --preload=}, the ones that may be preloaded, at most {@link #MAX}. */
    static List<String> parse(String commaSeparated) {
        List<String> names = new ArrayList<>();
        for (String name : commaSeparated.split(",")) {
            String n = name.strip();
            if (!n.isEmpty() && preloadable(n) && names.size() < MAX) {
                names.add(n);
            }
        }
        return names;
    }

    /**
     * Imports {@code names} into the spare; a module that fails to import is logged and skipped (a site that
     * needs it gets the error itself, in its own log).
     *
     * @return how many imported
     */
    static int preload(List<String> names) {
        int imported = 0;
        for (String name : names) {
            try {
                imp.importName(name, false);
                imported++;
            } catch (PyException e) {
                Log.info("preload of standard module '" + name + "' failed, skipped: " + e.type + ": " + e.value);
            } catch (RuntimeException | LinkageError e) {
                Log.info("preload of standard module '" + name + "' failed, skipped: " + e);
            }
        }
        return imported;
    }

    /** After LOAD: {@code logging.relativeCreated} counts from the site's start, not the spare's preload. */
    static void adopted() {
        PyObject logging = Py.getSystemState().modules.__finditem__("logging");
        if (logging != null && logging != Py.None) {
            logging.__setattr__("_startTime", imp.importName("time", false).invoke("time"));
        }
    }

    /** The loaded modules that are Jython's library's, sorted: what a spare of this ceiling should preload. */
    static List<String> loaded(PySystemState state) {
        List<String> libraries = libraries(state);
        Set<String> names = new TreeSet<>();
        PyObject modules = state.modules;
        // A snapshot of the keys: the first request may be importing while this runs.
        for (PyObject key : modules.invoke("keys").asIterable()) {
            String name = key.toString();
            PyObject module = modules.__finditem__(key);
            if (module == null || module == Py.None || !preloadable(name)) {
                continue;
            }
            PyObject file = module.__findattr__("__file__");
            if (file != null && file != Py.None && fromLibrary(file.toString(), libraries)) {
                names.add(name);
            }
        }
        return names.stream().limit(MAX).toList();
    }

    private static boolean fromLibrary(String file, List<String> libraries) {
        for (String lib : libraries) {
            if (file.startsWith(lib) && !file.startsWith(lib + "site-packages/")) {
                return true;
            }
        }
        return false;
    }

    /** The {@code Lib/} folders of Jython's library ({@code sys.prefix}'s and the jar's), each ending in a slash. */
    private static List<String> libraries(PySystemState state) {
        List<String> libs = new ArrayList<>();
        PyObject prefix = state.__findattr__("prefix");
        if (prefix != null && prefix != Py.None && Files.isDirectory(Path.of(prefix.toString(), "Lib"))) {
            libs.add(Path.of(prefix.toString(), "Lib").toAbsolutePath().normalize() + "/");
        }
        jar().ifPresent(jar -> libs.add(jar + "/Lib/"));
        return libs;
    }

    private static Optional<String> jar() {
        try {
            return Optional.of(Path.of(PySystemState.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).toString());
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
