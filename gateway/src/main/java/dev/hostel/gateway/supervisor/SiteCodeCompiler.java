package dev.hostel.gateway.supervisor;

import dev.hostel.gateway.releases.Precompiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Compiles a site's own modules (its {@code root}) to Jython's {@code $py.class} before a runner of it starts,
 * as the gateway's user. A site runs as its own user, which cannot write beside sources it does not own (an
 * operator's folder, owned by root): Jython then compiles every module of the app in memory at every start,
 * which loads its compiler (about 650 classes) and costs a hello runner 4 MB of its working set for good, 45 MB
 * at ready against 41 MB (BENCHMARKS.md, "Runner memory"). Releases are compiled when deployed; this does the same
 * for a {@code root}, once per change of its files: a start that finds every {@code $py.class} newer than its
 * source costs one walk of the folder.
 *
 * <p>Each {@code $py.class} written gets its source's owner, group and read permissions, so that whoever may read
 * the source may read it. A folder that cannot be written (a read-only image) or a module that does not compile
 * (a Python 3 file never imported) is not a reason to hold a start: it is logged, not tried again until the
 * folder's sources change, and Jython compiles in memory as before. One compile at a time.
 */
final class SiteCodeCompiler {
    private static final Logger LOG = Logger.getLogger(SiteCodeCompiler.class.getName());
    private static final String SOURCE = ".py";
    private static final String COMPILED = "$py.class";

    private final Precompiler precompiler;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "site-code-compiler");
        t.setDaemon(true);
        return t;
    });
    /** The sources' state at the last attempt that left modules uncompiled, by folder: not tried again as it is. */
    private final Map<Path, Sources> failed = new ConcurrentHashMap<>();

    SiteCodeCompiler(Precompiler precompiler) {
        this.precompiler = precompiler;
    }

    /** Completes once {@code root}'s modules are compiled, or could not be; never fails. */
    CompletableFuture<Void> compiled(String site, Path root) {
        return CompletableFuture.runAsync(() -> compile(site, root), thread).exceptionally(e -> {
            LOG.warning(() -> "site " + site + ": its modules in " + root + " not compiled ahead: " + e.getMessage());
            return null;
        });
    }

    private void compile(String site, Path root) {
        Sources before = Sources.of(root);
        if (before.stale().isEmpty() || before.equals(failed.get(root))) {
            return;
        }
        Optional<String> problems;
        try {
            problems = precompiler.compile(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Path source : before.stale()) {
            readableAsItsSource(source);
        }
        Sources after = Sources.of(root);
        if (after.stale().isEmpty()) {
            failed.remove(root);
            LOG.info(() -> "site " + site + ": " + before.stale().size() + " module(s) of " + root + " compiled ahead");
        } else {
            failed.put(root, after);
            LOG.warning(() -> "site " + site + ": " + after.stale().size() + " module(s) of " + root
                    + " not compiled ahead (compiled in memory by each runner instead)"
                    + problems.map(p -> ": " + p).orElse(""));
        }
    }

    /** Gives {@code source}'s {@code $py.class} the owner, group and read permissions of {@code source}. */
    private static void readableAsItsSource(Path source) {
        Path compiled = compiledOf(source);
        try {
            if (!Files.exists(compiled)) {
                return;
            }
            PosixFileAttributes of = Files.readAttributes(source, PosixFileAttributes.class);
            PosixFileAttributeView view = Files.getFileAttributeView(compiled, PosixFileAttributeView.class);
            Set<PosixFilePermission> read = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.GROUP_READ,
                    PosixFilePermission.OTHERS_READ);
            Set<PosixFilePermission> mode = new HashSet<>(of.permissions());
            mode.retainAll(read);
            mode.add(PosixFilePermission.OWNER_WRITE);
            view.setPermissions(mode);
            if (!of.owner().equals(view.readAttributes().owner())) {
                view.setOwner(of.owner());
                view.setGroup(of.group());
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.fine(() -> "cannot give " + compiled + " the owner and mode of its source: " + e);
        }
    }

    private static Path compiledOf(Path source) {
        String name = source.getFileName().toString();
        return source.resolveSibling(name.substring(0, name.length() - SOURCE.length()) + COMPILED);
    }

    /** The modules of a folder whose {@code $py.class} is missing or older than them. */
    private record Sources(List<Path> stale, List<FileTime> times) {
        static Sources of(Path root) {
            if (!Files.isDirectory(root)) {
                return new Sources(List.of(), List.of());
            }
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> sources = files.filter(p -> p.getFileName().toString().endsWith(SOURCE))
                        .filter(p -> !hidden(root.relativize(p)))
                        .filter(Files::isRegularFile).sorted().toList();
                List<Path> stale = sources.stream().filter(Sources::isStale).toList();
                return new Sources(stale, stale.stream().map(Sources::modified).toList());
            } catch (IOException | UncheckedIOException e) {
                return new Sources(List.of(), List.of());
            }
        }

        private static boolean hidden(Path relative) {
            for (Path part : relative) {
                if (part.toString().startsWith(".")) {
                    return true;
                }
            }
            return false;
        }

        private static boolean isStale(Path source) {
            Path compiled = compiledOf(source);
            return !Files.exists(compiled) || modified(compiled).compareTo(modified(source)) < 0;
        }

        private static FileTime modified(Path file) {
            try {
                return Files.getLastModifiedTime(file);
            } catch (IOException e) {
                return FileTime.fromMillis(0);
            }
        }
    }

    void close() {
        thread.shutdownNow();
    }
}
