package dev.hostel.runner;

import java.util.concurrent.locks.ReentrantLock;
import org.python.core.ArgParser;
import org.python.core.Py;
import org.python.core.PyBuiltinFunction;
import org.python.core.PyModule;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PySystemState;

/**
 * Jython's {@code __import__}, plus the record of misses CPython 2.7 keeps.
 *
 * <p>In Python 2, {@code import os} inside the package {@code p} is tried as {@code p.os} first (an implicit relative
 * import), then as {@code os}. When the first attempt misses and the second succeeds, CPython remembers the miss as
 * {@code sys.modules['p.os'] = None} ({@code mark_miss} in its {@code import.c}), and every later {@code import os}
 * in any module of {@code p} goes straight to {@code os}. Jython honours such {@code None} entries but never writes
 * them, so it searches {@code p}'s folders, then Java's packages and classes, for {@code p.os} again at each of those
 * imports. This function writes them where CPython does, and only there: after the import succeeded, for an import
 * with level -1 made from inside a package (a module whose {@code __package__}, which Jython's import has just set,
 * names a module in {@code sys.modules}), when nothing was found as {@code p.first} ({@code sys.modules} has no such
 * entry, which Jython's import adds for anything it finds, Python module or Java package).
 */
final class ImportMissCache extends PyBuiltinFunction {
    private static final String[] ARGS = {"name", "globals", "locals", "fromlist", "level"};

    private final PyObject jythonImport;

    private ImportMissCache(PyObject jythonImport) {
        super("__import__", jythonImport.__findattr__("__doc__") instanceof PyString doc ? doc.getString() : null);
        this.jythonImport = jythonImport;
    }

    /** Puts the function in place of {@code state}'s {@code __builtin__.__import__}. */
    static void install(PySystemState state) {
        PyObject current = state.builtins.__finditem__("__import__");
        if (current != null && !(current instanceof ImportMissCache)) {
            state.builtins.__setitem__("__import__", new ImportMissCache(current));
        }
    }

    @Override
    public PyObject __call__(PyObject[] args, String[] keywords) {
        ArgParser arguments = new ArgParser("__import__", args, keywords, ARGS, 1);
        PyObject globals = arguments.getPyObject(1, null);
        int level = arguments.getInt(4, -1);
        ReentrantLock importLock = Py.getSystemState().getImportLock();
        importLock.lock();
        try {
            PyObject module = jythonImport.__call__(args, keywords);
            if (level < 0 && globals != null && globals.isMappingType()) {
                rememberMiss(arguments.getPyObject(0).toString(), globals);
            }
            return module;
        } finally {
            importLock.unlock();
        }
    }

    private static void rememberMiss(String name, PyObject globals) {
        if (name.isEmpty()) {
            return;
        }
        PyObject pkg = globals.__finditem__("__package__");
        if (!(pkg instanceof PyString) || ((PyString) pkg).getString().isEmpty()) {
            return;
        }
        PyObject modules = Py.getSystemState().modules;
        String pkgName = ((PyString) pkg).getString();
        if (!(modules.__finditem__(pkgName) instanceof PyModule)) {
            return; // Jython did not try the relative import
        }
        int dot = name.indexOf('.');
        String relative = (pkgName + "." + (dot < 0 ? name : name.substring(0, dot))).intern();
        if (modules.__finditem__(relative) == null) {
            modules.__setitem__(relative, Py.None);
        }
    }
}
