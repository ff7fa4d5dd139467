package dev.hostel.gateway.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real memory cgroup for a test, as a pod or a systemd unit gives Hostel one, and processes started inside it. */
final class TestCgroup {
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private TestCgroup() {
    }

    /** A new memory cgroup below this test's own, with {@code limit}; empty where none can be made. */
    static Optional<Path> make(String name, long limit) {
        try {
            boolean v2 = Files.exists(ROOT.resolve("cgroup.controllers"));
            Path parent = v2 ? ROOT.resolve(ownPath("").substring(1)) : ROOT.resolve("memory")
                    .resolve(ownPath("memory").substring(1));
            Path dir = Files.createDirectories(parent.resolve(name));
            Files.writeString(dir.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(limit));
            return Optional.of(dir);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The path of this process's cgroup for a v1 {@code controller}, or the v2 one for "". */
    private static String ownPath(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (controller.isEmpty() ? parts[0].equals("0") : List.of(parts[1].split(",")).contains(controller)) {
                return parts[2];
            }
        }
        throw new IOException("no " + (controller.isEmpty() ? "v2" : controller) + " cgroup in /proc/self/cgroup");
    }

    /** The memory cgroup path of {@code pid} as {@code /proc/PID/cgroup} names it. */
    static String memoryCgroupOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] parts = line.split(":", 3);
            if (List.of(parts[1].split(",")).contains("memory") || parts[0].equals("0") && parts[1].isEmpty()
                    && !Files.exists(ROOT.resolve("memory"))) {
                return parts[2];
            }
        }
        throw new IOException("no memory cgroup for " + pid);
    }

    /** {@code command} started from its first instruction inside {@code cgroup}: a shell joins it, then execs. */
    static ProcessBuilder inside(Path cgroup, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c",
                "echo $$ > '" + cgroup.resolve("cgroup.procs") + "' && exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return new ProcessBuilder(wrapped);
    }

    /** The {@code hostel} command line as this test's class path runs it. */
    static List<String> hostelCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"),
                "-Dhostel.home=" + dev.hostel.gateway.e2e.TestHostel.HOME, "dev.hostel.gateway.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** Removes the cgroup once the processes in it are gone (the kernel refuses while any is left). */
    static void remove(Path cgroup) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Stream<Path> children = Files.list(cgroup)) {
                for (Path child : children.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    remove(child);
                }
            } catch (IOException gone) {
                return;
            }
            if (cgroup.toFile().delete()) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
