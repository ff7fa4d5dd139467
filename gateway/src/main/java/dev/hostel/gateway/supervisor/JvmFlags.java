package dev.hostel.gateway.supervisor;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags of a runner, derived from its site's memory ceiling {@code C} (the RSS of the whole process, not
 * the heap). Measured on an idle hello-world runner (JDK 17, Jython 2.7.4): about 12 MB of live heap, 19 MB of
 * classes, 5 MB of compiled code, 2 MB of thread stacks and a few MB of malloc arenas; see BENCHMARKS.md.
 *
 * <pre>
 * heap           -Xmx = C/2 (at least 32 MB)  -Xms8m  -Xmn = C/32 (2..32 MB)  heap free ratio 10..20%
 * metaspace      -XX:MaxMetaspaceSize = 3C/10 (at least 32 MB)
 * code cache     -XX:ReservedCodeCacheSize = C/8 (at least 16 MB)
 * direct memory  -XX:MaxDirectMemorySize = C/8 (at least 16 MB)
 * JIT            C1 only (-XX:TieredStopAtLevel=1) below 512 MB; tiered C1 + C2 from 512 MB
 * always         -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData
 * </pre>
 *
 * <p>Why: the heap starts at 8 MB and only grows as far as the site's live data needs, and the small young
 * generation with tight free ratios keeps the committed heap near the live data (a young generation of a third
 * of the heap, the default, costs 8-10 MB of RSS for nothing in an idle runner). SerialGC has the smallest
 * footprint of the collectors and a small site gains nothing from a parallel one. C2's compiler arenas reach
 * 15-20 MB of malloc'd memory while it works (NMT "Arena Chunk"), which is more than a small site's whole heap,
 * so small ceilings run C1 only, trading some peak throughput for a footprint that stays put. The caps add up to
 * a little more than {@code C}: they never all fill at once, and the whole process is held to {@code C} by its
 * memory cgroup or {@link MemoryWatch}. A runner out of heap or metaspace exits at once with status 3 and is
 * restarted as over its ceiling rather than living on half-broken.
 */
public final class JvmFlags {
    private static final long MB = 1024 * 1024;
    /** From this ceiling up, a site is big enough for C2 to pay for its memory. */
    static final long C2_FROM = 512 * MB;

    private JvmFlags() {
    }

    /** The flags for a runner whose whole process may use {@code ceilingBytes}. */
    public static List<String> forCeiling(long ceilingBytes) {
        long heap = Math.max(32 * MB, ceilingBytes / 2);
        long young = Math.min(32 * MB, Math.max(2 * MB, ceilingBytes / 32));
        long metaspace = Math.max(32 * MB, ceilingBytes * 3 / 10);
        long codeCache = Math.max(16 * MB, ceilingBytes / 8);
        long direct = Math.max(16 * MB, ceilingBytes / 8);
        List<String> flags = new ArrayList<>();
        flags.add("-Xms8m");
        flags.add("-Xmx" + toMb(heap) + "m");
        flags.add("-Xmn" + toMb(young) + "m");
        flags.add("-XX:MinHeapFreeRatio=10");
        flags.add("-XX:MaxHeapFreeRatio=20");
        flags.add("-XX:MaxMetaspaceSize=" + toMb(metaspace) + "m");
        flags.add("-XX:ReservedCodeCacheSize=" + toMb(codeCache) + "m");
        flags.add("-XX:MaxDirectMemorySize=" + toMb(direct) + "m");
        if (ceilingBytes < C2_FROM) {
            flags.add("-XX:TieredStopAtLevel=1");
        }
        flags.add("-XX:+UseSerialGC");
        flags.add("-XX:+ExitOnOutOfMemoryError");
        flags.add("-XX:-UsePerfData");
        return flags;
    }

    private static long toMb(long bytes) {
        return bytes / MB;
    }
}
