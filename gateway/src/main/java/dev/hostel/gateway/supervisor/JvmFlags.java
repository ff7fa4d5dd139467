package dev.hostel.gateway.supervisor;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags of a runner, derived from its site's memory ceiling (the RSS of the whole process).
 *
 * <p>A JVM's footprint is much more than its heap, so the ceiling is split: half for the heap (which starts
 * small so that only what is used gets committed), a fifth for metaspace (Jython compiles every Python module
 * to JVM classes), an eighth for the JIT's code cache, a twentieth for direct buffers (Netty), and the rest
 * for thread stacks, the GC and the JVM's own allocations. SerialGC has the smallest footprint of the
 * collectors and a small site gains nothing from a parallel one. A runner out of heap exits at once (and
 * is restarted as over its ceiling) rather than living on half-broken.
 */
public final class JvmFlags {
    private static final long MB = 1024 * 1024;

    private JvmFlags() {
    }

    public static List<String> forCeiling(long ceilingBytes) {
        long heap = Math.max(16 * MB, ceilingBytes / 2);
        long metaspace = Math.max(24 * MB, ceilingBytes / 5);
        long codeCache = Math.max(12 * MB, ceilingBytes / 8);
        long direct = Math.max(4 * MB, ceilingBytes / 20);
        List<String> flags = new ArrayList<>();
        flags.add("-Xms8m");
        flags.add("-Xmx" + toMb(heap) + "m");
        flags.add("-XX:MaxMetaspaceSize=" + toMb(metaspace) + "m");
        flags.add("-XX:ReservedCodeCacheSize=" + toMb(codeCache) + "m");
        flags.add("-XX:MaxDirectMemorySize=" + toMb(direct) + "m");
        flags.add("-XX:+UseSerialGC");
        flags.add("-XX:+ExitOnOutOfMemoryError");
        flags.add("-XX:-UsePerfData");
        return flags;
    }

    private static long toMb(long bytes) {
        return bytes / MB;
    }
}
