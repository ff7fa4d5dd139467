package dev.hostel.runner;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

/**
 * Which Java classes the runner's own class loaders could possibly load: the packages of the JDK's modules and of
 * every jar on the class path, read once, plus the class path's folders, asked per class. It lets
 * {@link IndexedSyspathLoader} tell that a name Jython probes for (every Python import that misses is also tried as
 * a Java class: {@code django.utils.os}) is no Java class at all, without asking the class loaders, which answer a
 * miss with exceptions filled in over the deep stack of nested imports.
 *
 * <p>A "yes" means only "maybe": the real class loaders still decide. A "no" must be certain, so anything this index
 * cannot see through (a class path entry it cannot read, classes appended to the boot class path, a custom system
 * class loader) makes it answer "maybe" for everything.
 */
final class ClassFileIndex {
    /** What was read; null until then. */
    private volatile Contents contents;

    /**
     * @param packages packages (dotted, "" for the unnamed one) holding classes in the JDK's modules or the jars
     * @param folders the class path's folders
     * @param complete false when a class could come from somewhere this index does not see
     */
    private record Contents(Set<String> packages, List<Path> folders, boolean complete) {
    }

    private ClassFileIndex() {
    }

    /** The index of this JVM (its boot layer and {@code java.class.path}), read now. */
    static ClassFileIndex read() {
        ClassFileIndex index = new ClassFileIndex();
        index.contents = readThisJvm();
        return index;
    }

    /**
     * The index of this JVM, read on a thread of its own (reading the jars' entries takes a few tens of milliseconds
     * of CPU, which a runner's start need not wait for); until it is read, it answers "maybe" to everything.
     */
    static ClassFileIndex readInBackground() {
        ClassFileIndex index = new ClassFileIndex();
        Thread reader = new Thread(() -> index.contents = readThisJvm(), "hostel-class-file-index");
        reader.setDaemon(true);
        reader.start();
        return index;
    }

    private static Contents readThisJvm() {
        Set<String> packages = new HashSet<>();
        for (Module module : ModuleLayer.boot().modules()) {
            ModuleDescriptor descriptor = module.getDescriptor();
            packages.addAll(descriptor != null ? descriptor.packages() : module.getPackages());
        }
        List<Path> folders = new ArrayList<>();
        // Classes appended to the boot class path, or a system class loader of someone else's, come from elsewhere.
        boolean complete = System.getProperty("jdk.boot.class.path.append") == null
                && System.getProperty("java.system.class.loader") == null;
        List<String> entries = new ArrayList<>(List.of(System.getProperty("java.class.path", "")
                .split(File.pathSeparator)));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i);
            Path path = Path.of(entry.isEmpty() ? "." : entry).toAbsolutePath().normalize();
            if (!seen.add(path.toString())) {
                continue;
            }
            if (Files.isDirectory(path)) {
                folders.add(path);
            } else if (Files.isRegularFile(path)) {
                try {
                    entries.addAll(addJar(path, packages));
                } catch (IOException | UncheckedIOException | SecurityException e) {
                    complete = false;
                }
            }
            // a missing entry holds nothing, as for the JVM
        }
        return new Contents(Set.copyOf(packages), List.copyOf(folders), complete);
    }

    /** Adds the packages of {@code jar}'s classes; returns the jars its manifest's {@code Class-Path} names. */
    private static List<String> addJar(Path jar, Set<String> packages) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            // module-info.class is no class to load, and would put the unnamed package into the index.
            file.stream().map(ZipEntry::getName)
                    .filter(name -> name.endsWith(".class") && !name.endsWith("module-info.class")).forEach(name -> {
                if (name.startsWith("META-INF/versions/")) {
                    int slash = name.indexOf('/', "META-INF/versions/".length());
                    name = slash < 0 ? "" : name.substring(slash + 1);
                }
                int last = name.lastIndexOf('/');
                packages.add(last < 0 ? "" : name.substring(0, last).replace('/', '.'));
            });
            Manifest manifest = file.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            List<String> more = new ArrayList<>();
            if (classPath != null) {
                for (String relative : classPath.trim().split("\\s+")) {
                    if (!relative.isEmpty() && !relative.contains(":")) {
                        more.add(jar.resolveSibling(relative).toString());
                    }
                }
            }
            return more;
        }
    }

    /**
     * False only when no class loader of this JVM's own can define {@code className}: its package is in no module and
     * no jar, and no class path folder holds its class file.
     */
    boolean mayLoad(String className) {
        Contents read = contents;
        if (read == null || !read.complete()) {
            return true;
        }
        int dot = className.lastIndexOf('.');
        if (read.packages().contains(dot < 0 ? "" : className.substring(0, dot))) {
            return true;
        }
        String file = classFile(className);
        for (Path folder : read.folders()) {
            if (Files.isRegularFile(folder.resolve(file))) {
                return true;
            }
        }
        return false;
    }

    /** {@code a.b.C} as the relative path of its class file, {@code a/b/C.class}. */
    static String classFile(String className) {
        return className.replace('.', '/') + ".class";
    }
}
