package dev.hostel.gateway.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A {@code HOSTEL_CLASSPATH} for tests that run {@code scripts/hostel} as a user would: a jar of the gateway's
 * classes made here (the build's jar does not exist yet when the tests run; class-data archives take jars only),
 * and the gateway's dependencies, without the test frameworks. {@code scripts/hostel} then builds nothing.
 */
public final class ScriptClasspath {
    private ScriptClasspath() {
    }

    /** Writes {@code dir/gateway.jar} and returns the class path, for {@code HOSTEL_CLASSPATH}. */
    public static String make(Path dir) throws IOException {
        Path jar = dir.resolve("gateway.jar");
        Path classes = TestHostel.HOME.resolve("gateway/target/classes");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        List<String> entries = new ArrayList<>(List.of(jar.toString()));
        String testPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testPath.split(File.pathSeparator)) {
            if (entry.endsWith(".jar") && !entry.matches(".*/(junit|opentest4j|apiguardian|surefire)[^/]*/.*")) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
