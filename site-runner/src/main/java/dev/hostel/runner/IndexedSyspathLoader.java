package dev.hostel.runner;

import java.lang.reflect.Field;
import org.python.core.Py;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PySystemState;
import org.python.core.SyspathJavaLoader;
import org.python.core.imp;
import org.python.core.util.RelativeFile;

/**
 * Jython's class loader for {@code sys.path}, answering "no such class" cheaply when the class file is nowhere.
 *
 * <p>Jython looks for a Java class or package after every Python import that misses (Python 2 tries {@code import
 * os} inside a package {@code p} as {@code p.os} first, so misses are the rule), and after every attribute a module
 * lacks. Each such probe goes through {@link SyspathJavaLoader}: the JVM's class path, then every {@code sys.path}
 * entry (each tried as a zip archive first), and ends in a {@link ClassNotFoundException}; with the {@code IOException}s
 * of the archive attempts that is several exceptions per probe, each filling in a stack trace as deep as the nested
 * imports (hundreds of frames). That was about half of a Django project's start. This loader first asks
 * {@link ClassFileIndex} and the {@code sys.path} folders whether the class file exists anywhere; only if it may
 * does it load as Jython does. A miss is then a few file-system lookups and one exception without a stack trace.
 *
 * <p>Jython keeps the loader in a private field of {@link PySystemState}; {@link #install} replaces it right after
 * the interpreter starts, before anything can have been loaded through the old one.
 */
final class IndexedSyspathLoader extends SyspathJavaLoader {
    private final ClassFileIndex index;

    private IndexedSyspathLoader(ClassLoader parent, ClassFileIndex index) {
        super(parent);
        this.index = index;
    }

    /**
     * Puts an {@code IndexedSyspathLoader} in place of {@code state}'s; leaves Jython's own (slow, correct) loader
     * when this Jython keeps it elsewhere.
     */
    static void install(PySystemState state, ClassFileIndex index) {
        try {
            Field field = PySystemState.class.getDeclaredField("syspathJavaLoader");
            field.setAccessible(true);
            field.set(state, new IndexedSyspathLoader(imp.getParentClassLoader(), index));
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.info("Java class look-ups stay Jython's own (slower imports): " + e);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!index.mayLoad(name) && !onSysPath(name)) {
            synchronized (getClassLoadingLock(name)) {
                if (findLoadedClass(name) == null) {
                    throw new Missing(name);
                }
            }
        }
        return super.loadClass(name, resolve);
    }

    /**
     * Whether a {@code sys.path} entry may hold the class file, as {@link SyspathJavaLoader#findClass} looks: a folder
     * holding the file, or any archive (not looked into here).
     */
    private static boolean onSysPath(String name) {
        PySystemState sys = Py.getSystemState();
        if (sys.getClassLoader() != null) {
            return true; // sys.classLoader replaces the sys.path search
        }
        String file = ClassFileIndex.classFile(name);
        PyList path = sys.path;
        for (int i = 0; i < path.__len__(); i++) {
            PyObject entry = path.__getitem__(i);
            String dir = imp.fileSystemDecode(entry, false);
            if (dir == null) {
                continue;
            }
            String lower = dir.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains(".jar") || lower.contains(".zip") || new RelativeFile(dir, file).isFile()) {
                return true;
            }
        }
        return false;
    }

    /** A certain miss: thrown often, on deep stacks, and never printed, so it carries no stack trace. */
    private static final class Missing extends ClassNotFoundException {
        private static final long serialVersionUID = 1L;

        Missing(String name) {
            super(name);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
