package dev.hostel.gateway.releases;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles every module of a release to Jython's {@code $py.class} before it serves, so that no request pays for
 * compiling (Jython compiles a module to JVM bytecode on first import: tens of milliseconds each, seconds for a
 * framework). It runs Jython's own {@code compileall} in a short-lived JVM (seconds: a JVM and Jython boot), after
 * the release serves ({@link #compileBeside}), so that a deploy's first answer never waits for it. A module that does not compile is not a
 * reason to refuse a release (frameworks ship Python 3-only files that are never imported on 2.7): its error is
 * returned as a warning, and if the app imports it, the start fails and says so.
 */
public final class Precompiler {
    private static final String SCRIPT = "import compileall, sys; "
            + "sys.exit(0 if compileall.compile_dir(sys.argv[1], quiet=1) else 1)";

    private final Path java;
    private final Optional<Path> jythonJar;

    /** @param runnerLib {@code site-runner/target/lib}, which holds {@code jython-standalone-*.jar} */
    public Precompiler(Path runnerLib) {
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
        Optional<Path> jar;
        try (Stream<Path> jars = Files.list(runnerLib)) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("jython-standalone-")).findFirst();
        } catch (IOException e) {
            jar = Optional.empty();
        }
        this.jythonJar = jar;
    }

    /**
     * Compiles a release that may already serve: in a copy beside it (hard links to its sources, so that each
     * {@code $py.class} records the same source time), whose {@code $py.class} files are then moved into the
     * release one by one, each in one rename, readable by all. A runner importing a module meanwhile finds either
     * no compiled file (and compiles in memory) or a whole one, never half of one.
     *
     * @return what did not compile (empty when all did)
     * @throws IOException when the copy or the compiler could not be made or run
     */
    public Optional<String> compileBeside(Path release) throws IOException, InterruptedException {
        Path staging = release.resolveSibling("." + release.getFileName() + ".compiling");
        SiteReleases.deleteTree(staging);
        try {
            mirror(release, staging);
            Optional<String> problems = compile(staging);
            List<Path> compiled;
            try (Stream<Path> files = Files.walk(staging)) {
                compiled = files.filter(f -> f.getFileName().toString().endsWith("$py.class")).toList();
            }
            for (Path f : compiled) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                Files.move(f, release.resolve(staging.relativize(f).toString()), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            return problems;
        } finally {
            SiteReleases.deleteTree(staging);
        }
    }

    /** {@code from}'s folders made again under {@code to}, its regular files hard-linked (copied where that fails). */
    private static void mirror(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    Path target = to.resolve(from.relativize(f).toString());
                    try {
                        Files.createLink(target, f);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Compiles {@code folder}; returns what did not compile (empty when all did).
     *
     * @throws IOException when the compiler itself could not run
     */
    public Optional<String> compile(Path folder) throws IOException, InterruptedException {
        if (jythonJar.isEmpty()) {
            return Optional.of("not compiled ahead: no Jython jar found");
        }
        Path log = Files.createTempFile("hostel-compile", ".log");
        try {
            Process p = new ProcessBuilder(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Xmx128m", "-Xss1m", "-Dpython.import.site=false", "-Dpython.console.encoding=UTF-8",
                    "-cp", jythonJar.get().toString(), "org.python.util.jython", "-c", SCRIPT, folder.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .directory(folder.toFile())
                    .start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return Optional.of("compiling took more than 5 minutes; stopped");
            }
            if (p.exitValue() == 0) {
                return Optional.empty();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            List<String> problems = out.lines().filter(l -> !l.startsWith("Listing ") && !l.startsWith("Compiling "))
                    .filter(l -> !l.isBlank()).toList();
            return Optional.of(String.join("\n", problems));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
