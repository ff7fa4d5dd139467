package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.python.core.Py;
import org.python.core.PyException;
import org.python.core.PyModule;
import org.python.core.PyObject;
import org.python.core.imp;

/**
 * Imports after the runner's changes to Jython's import ({@link ImportMissCache}, {@link IndexedSyspathLoader}):
 * misses are remembered exactly where CPython 2.7 remembers them, and Java stays importable, from the JDK, from the
 * class path and from a folder on {@code sys.path}.
 */
class ImportMissesTest {

    @BeforeAll
    static void interpreter() throws Exception {
        SharedRunner.app(); // the test apps' folder is on sys.path
    }

    private static PyObject modules() {
        return Py.getSystemState().modules;
    }

    private static PyObject importModule(String name) {
        Py.setSystemState(JythonApp.interpreter());
        return imp.importName(name, false);
    }

    @Test
    void anImplicitRelativeMissIsRememberedAsNoneAndTheAbsoluteModuleIsUsed() {
        PyObject implicit = importModule("missing_pkg.implicit");

        assertSame(Py.None, modules().__finditem__("missing_pkg.os"), "import os inside missing_pkg");
        assertSame(Py.None, modules().__finditem__("missing_pkg.json"), "import json.decoder: the first name only");
        assertNull(modules().__finditem__("missing_pkg.json.decoder"));
        assertSame(modules().__finditem__("os"), implicit.__getattr__("os"));
        assertEquals(java.io.File.separator, implicit.__getattr__("SEP").toString());
    }

    @Test
    void aModuleFoundRelativeIsKeptAndNotMarked() {
        importModule("missing_pkg.implicit");

        PyObject sibling = modules().__finditem__("missing_pkg.sibling");
        assertTrue(sibling instanceof PyModule, "missing_pkg.sibling is " + sibling);
        assertEquals("sibling", importModule("missing_pkg.implicit").__getattr__("SIBLING").toString());
        assertNull(modules().__finditem__("sibling"), "found relative, never tried as the top-level sibling");
    }

    @Test
    void javaPackagesImportFromInsideAPackageAndAtTopLevel() {
        PyObject implicit = importModule("missing_pkg.implicit");

        assertEquals(System.getProperty("java.version"), implicit.__getattr__("JAVA_VERSION").toString());
        assertSame(Py.None, modules().__finditem__("missing_pkg.java"), "java is no module of missing_pkg");
        PyObject system = imp.importName("java.lang", false).__getattr__("System");
        assertEquals(System.getProperty("java.version"),
                system.invoke("getProperty", Py.newString("java.version")).toString());
        assertNotNull(imp.importName("org.python.core", false).__findattr__("PyObject"), "a class-path jar's class");
    }

    @Test
    void absoluteImportsAreNeverTriedRelativeSoNothingIsMarked() {
        importModule("missing_pkg.absolute");

        assertNull(modules().__finditem__("missing_pkg.re"));
    }

    @Test
    void anImportThatFailsLeavesNothingBehind() {
        PyException failure = assertThrows(PyException.class, () -> importModule("missing_pkg.failing"));

        assertTrue(failure.match(Py.ImportError), failure.toString());
        assertNull(modules().__finditem__("missing_pkg.hostel_no_such_module_at_all"));
    }

    @Test
    void aJavaClassInAFolderOnSysPathStillImports(@TempDir Path folder) throws Exception {
        Path source = folder.resolve("src/hostelsyspath/Greeting.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "package hostelsyspath; public class Greeting {"
                + " public static String hello() { return \"hello from sys.path\"; } }", StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(folder.resolve("classes"));
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null,
                "-d", classes.toString(), source.toString()));
        Py.setSystemState(JythonApp.interpreter());
        Py.getSystemState().path.append(Py.newString(classes.toString()));
        try {
            PyObject greeting = imp.importName("hostelsyspath", false).__getattr__("Greeting");
            assertEquals("hello from sys.path", greeting.invoke("hello").toString());
        } finally {
            Py.getSystemState().path.remove(Py.newString(classes.toString()));
        }
    }

    @Test
    void theIndexKnowsTheJdkTheClassPathAndNothingElse() {
        ClassFileIndex index = ClassFileIndex.read();

        assertTrue(index.mayLoad("java.lang.String"));
        assertTrue(index.mayLoad("org.python.core.PyObject"), "a jar on the class path");
        assertTrue(index.mayLoad(ImportMissesTest.class.getName()), "a folder on the class path");
        assertFalse(index.mayLoad("missing_pkg.os"));
        assertFalse(index.mayLoad("os"), "nothing is in the unnamed package");
        assertNull(Py.findClass("missing_pkg.os"));
        assertTrue(JythonApp.interpreter().getSyspathJavaLoader() instanceof IndexedSyspathLoader,
                "this Jython keeps its sys.path class loader where IndexedSyspathLoader.install puts it");
    }
}
