package dev.hostel.gateway.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The AppCDS archive shared by every runner: the JDK's and Jython's classes as the runner loads them, parsed and
 * laid out once, then mapped by each runner instead of loaded again (JDK 17 dynamic archive, on top of the JDK's
 * default one). It makes a runner start faster, and its read-only half is shared between runners in the page
 * cache, so each one's PSS counts only its share.
 *
 * <p>The archive is made once per build and JDK, by a training runner started in the background: it serves a
 * small app two requests, exits on end-of-file on stdin, and the JVM writes the classes it loaded
 * ({@code -XX:ArchiveClassesAtExit}). Runners started before it is ready run without it. Its name carries a
 * digest of the JDK and of every jar on the runner's class path (name, size, time), so a rebuild or a new JDK makes
 * a new one and a stale archive is never used. Runners map it at its base address
 * ({@code -XX:ArchiveRelocationMode=0}): relocated, every page of it would be written to, private, and not shared.
 */
final class CdsArchive {
    private static final Logger LOG = Logger.getLogger(CdsArchive.class.getName());
    private static final String TRAINING_APP = """
            \"\"\"Loaded by the runner that makes Hostel's class-data archive: touches what a request touches.\"\"\"
            import os


            def application(environ, start_response):
                body = environ["wsgi.input"].read()
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 2))])
                return ["ok", body]
            """;

    private final Path archive;
    private volatile Process training;

    private CdsArchive(Path archive) {
        this.archive = archive;
    }

    /** The archive for runners started with {@code java} and {@code classpath}, kept in {@code dir}. */
    static CdsArchive in(Path dir, Path java, String classpath) {
        return new CdsArchive(dir.resolve("runner-" + digest(java, classpath) + ".jsa"));
    }

    Path path() {
        return archive;
    }

    boolean ready() {
        return Files.isRegularFile(archive);
    }

    /** The flags that map the archive, or none while it does not exist. */
    List<String> flags() {
        if (!ready()) {
            return List.of();
        }
        return List.of("-XX:SharedArchiveFile=" + archive, "-XX:+UnlockDiagnosticVMOptions",
                "-XX:ArchiveRelocationMode=0");
    }

    /**
     * Makes the archive unless it exists: runs a training runner and waits for it (a few seconds). Call it on a
     * background thread.
     *
     * @param command the command line of a runner of the training site, given its extra JVM flags, root and socket
     */
    void create(TrainingCommand command) {
        if (ready()) {
            return;
        }
        long started = System.nanoTime();
        Path dir = archive.getParent();
        Path tmp = dir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Path root = dir.resolve("training");
        Path socket = dir.resolve("training." + ProcessHandle.current().pid() + ".sock");
        try {
            Files.createDirectories(root);
            Files.writeString(root.resolve("cds_training.py"), TRAINING_APP);
            Files.deleteIfExists(socket);
            ProcessBuilder pb = new ProcessBuilder(command.build(List.of("-XX:ArchiveClassesAtExit=" + tmp),
                    root, socket));
            pb.directory(root.toFile());
            pb.redirectError(ProcessBuilder.Redirect.to(dir.resolve("training.log").toFile()));
            Process p = pb.start();
            training = p;
            if (awaitReady(p)) {
                request(socket, "GET /?training=1 HTTP/1.1\r\nHost: cds\r\n\r\n");
                request(socket, "POST /echo HTTP/1.1\r\nHost: cds\r\nContent-Length: 5\r\n\r\nhello");
            }
            p.getOutputStream().close(); // end-of-file on stdin: the runner exits, the JVM writes the archive
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (Files.size(tmp) > 0) {
                Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                LOG.info(() -> "class-data archive for runners made in " + (System.nanoTime() - started) / 1_000_000
                        + " ms: " + archive + " (" + (archive.toFile().length() >> 20) + " MB)");
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "cannot make the class-data archive " + archive + " (" + e + "; see "
                    + dir.resolve("training.log") + "); runners start without it, slower and bigger");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Process p = training;
            if (p != null) {
                p.destroyForcibly();
            }
            try {
                Files.deleteIfExists(tmp);
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // leftovers in the archive directory are harmless
            }
        }
    }

    /** Stops a training runner that is still going (Hostel is stopping). */
    void stop() {
        Process p = training;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private static boolean awaitReady(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("HOSTEL-READY")) {
                return true;
            }
        }
        return false;
    }

    private static void request(Path socket, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer answer = ByteBuffer.allocate(4096);
            // Enough to know the runner answered; the response is not checked.
            while (channel.read(answer) > 0 && !new String(answer.array(), 0, answer.position(),
                    StandardCharsets.US_ASCII).contains("ok")) {
                if (!answer.hasRemaining()) {
                    answer.clear();
                }
            }
        }
    }

    private static String digest(Path java, String classpath) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((java + "\n" + System.getProperty("java.vm.version") + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path jar : jars(classpath)) {
                sha.update((jar + " " + jar.toFile().length() + " " + jar.toFile().lastModified() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jars of a class path, with {@code dir/*} expanded as the java launcher does. */
    private static List<Path> jars(String classpath) {
        List<Path> jars = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.endsWith("*")) {
                Path dir = Path.of(entry.substring(0, entry.length() - 1));
                try (var list = Files.list(dir)) {
                    list.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
                } catch (IOException e) {
                    jars.add(dir);
                }
            } else {
                jars.add(Path.of(entry));
            }
        }
        return jars;
    }

    /** Builds the command line of the training runner. */
    interface TrainingCommand {
        List<String> build(List<String> extraJvmFlags, Path root, Path socket);
    }
}
