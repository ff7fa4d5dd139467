package dev.hostel.gateway.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.e2e.TestHostel;
import dev.hostel.gateway.releases.Precompiler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A site's root compiled ahead by the gateway, with Jython's real compiler: every module gets a {@code $py.class}
 * its site's user may read as it reads the source, a start that finds them fresh compiles nothing, and a module
 * that does not compile holds nothing up.
 */
class SiteCodeCompilerTest {
    private Path root;
    private SiteCodeCompiler compiler;

    @BeforeEach
    void code() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "hostel-code-");
        Files.writeString(root.resolve("app.py"), "def application(environ, start_response):\n    return []\n");
        Files.createDirectories(root.resolve("pkg"));
        Files.writeString(root.resolve("pkg/__init__.py"), "X = 1\n");
        Files.setPosixFilePermissions(root.resolve("pkg/__init__.py"), PosixFilePermissions.fromString("rw-r-----"));
        compiler = new SiteCodeCompiler(new Precompiler(TestHostel.HOME.resolve("site-runner/target/lib")));
    }

    @AfterEach
    void remove() throws Exception {
        compiler.close();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void everyModuleGetsAClassFileReadableAsItsSourceOnce() throws Exception {
        compiler.compiled("t", root).get(5, TimeUnit.MINUTES);

        Path app = root.resolve("app$py.class");
        Path pkg = root.resolve("pkg/__init__$py.class");
        assertTrue(Files.exists(app) && Files.exists(pkg), "not compiled: " + list());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(app)));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(pkg)),
                "as readable as its source, no more");
        assertEquals(Files.getOwner(root.resolve("app.py")), Files.getOwner(app));

        FileTime before = Files.getLastModifiedTime(app);
        compiler.compiled("t", root).get(5, TimeUnit.MINUTES);
        assertEquals(before, Files.getLastModifiedTime(app), "fresh modules were compiled again");
    }

    @Test
    void aModuleThatDoesNotCompileHoldsNothingUp() throws Exception {
        Files.writeString(root.resolve("broken.py"), "def f(:\n");
        compiler.compiled("t", root).get(5, TimeUnit.MINUTES);
        assertTrue(Files.exists(root.resolve("app$py.class")), "the others are compiled: " + list());
        assertFalse(Files.exists(root.resolve("broken$py.class")));
        // Not tried again until a source changes: a second start walks the folder and goes on at once.
        compiler.compiled("t", root).get(5, TimeUnit.MINUTES);
    }

    private String list() throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString).sorted().toList().toString();
        }
    }
}
