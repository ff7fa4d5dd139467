package dev.hostel.gateway.supervisor;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags of a runner, derived from its site's memory ceiling {@code C} (what its memory cgroup may be
 * charged, not the heap). Measured on an idle hello-world runner at 48M (JDK 17, Jython 2.7.4, working set 40-41
 * MB; NMT in BENCHMARKS.md): 13 MB of heap for 11.5 MB of live data, 11 MB of the class-data archive's pages written
 * to as its classes are linked, 6 MB of metaspace and class space, 3-4 MB of compiled code, 2 MB of thread stacks and
 * 5-8 MB of malloc arenas.
 *
 * <pre>
 * heap           -Xmx = C/2 (at least 32 MB)  -Xmn = C/32 (2..32 MB)  -Xms = max(8 MB, 2 Xmn)
 *                heap free ratio 10..20%, shrunk at once at a full GC (-XX:-ShrinkHeapInSteps)
 * metaspace      -XX:MaxMetaspaceSize = 2C/5 (at least 32 MB)
 * code cache     -XX:ReservedCodeCacheSize = C/8 (at least 16 MB)
 * direct memory  -XX:MaxDirectMemorySize = C/8 (at least 16 MB)
 * JIT            below 512 MB: C1 only (-XX:TieredStopAtLevel=1), after 10x the usual calls
 *                (-XX:CompileThresholdScaling=10); from 512 MB: tiered C1 + C2
 * native heap    trimmed every 10 s (-XX:TrimNativeHeapInterval=10000; MALLOC_ARENA_MAX=2 in the environment)
 * always         -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData
 * </pre>
 *
 * <p>Why: the heap starts at 8 MB and only grows as far as the site's live data needs, and the small young
 * generation with tight free ratios keeps the committed heap near the live data (a young generation of a third
 * of the heap, the default, costs 8-10 MB for nothing in an idle runner). The initial heap is at least twice the
 * young generation, or the JVM warns that NewSize is larger than the initial heap (it was, at 256M). After a burst,
 * the runner's own idle collection (site-runner's {@code IdleTrim}) lets SerialGC give the heap back in one step,
 * and the trimmer returns the malloc pages glibc keeps. SerialGC has the smallest footprint of the collectors and a
 * small site gains nothing from a parallel one. Metaspace is capped at 2C/5: Jython compiles every Python module
 * to JVM classes, and a Django 1.11 project under load holds 37 MB of class metadata (3C/10, 38 MB at 128M, left
 * it one import from exiting). C2's compiler arenas reach 15-20 MB of malloc'd memory while it
 * works (NMT "Arena Chunk"), more than a small site's whole heap, so small ceilings run C1 only; and C1 at its usual
 * thresholds compiles much of Jython's start-up code, which runs a few hundred times and never again: ten times the
 * thresholds saves 2 MB of code cache and compiler memory, and the request path still gets compiled within the
 * first few thousand requests. Measured and left out, for buying nothing (under 0.5 MB each): a smaller code cache
 * cap, -Xss, a smaller StringTable, MALLOC_ARENA_MAX=1, -XX:MetaspaceReclaimPolicy=aggressive, -Xmn1m, tighter
 * heap free ratios; CompressedClassSpaceSize only reserves address space. The caps add up to a little more than
 * {@code C}: they never all fill at once, and the whole process is held to {@code C} by its memory cgroup or
 * {@link MemoryWatch}. A runner out of heap or metaspace exits at once with status 3 and is restarted as over its
 * ceiling rather than living on half-broken.
 */
public final class JvmFlags {
    private static final long MB = 1024 * 1024;
    /** From this ceiling up, a site is big enough for C2 to pay for its memory. */
    static final long C2_FROM = 512 * MB;
    /** C1 compiles a method after 10 times the default invocations: Jython's start-up code is left interpreted. */
    static final int COMPILE_THRESHOLD_SCALING = 10;
    /** How often the JVM hands glibc's freed malloc pages back to the kernel (malloc_trim). */
    static final int TRIM_NATIVE_HEAP_INTERVAL_MS = 10_000;

    private JvmFlags() {
    }

    /** Prints the flags for a ceiling such as {@code 128M}, one line: for {@code bench/runner-memory} and operators. */
    public static void main(String[] args) {
        System.out.println(String.join(" ", forCeiling(dev.hostel.gateway.config.Units.parseSize(args[0]))));
    }

    /** The flags for a runner whose whole process may use {@code ceilingBytes}. */
    public static List<String> forCeiling(long ceilingBytes) {
        long heap = Math.max(32 * MB, ceilingBytes / 2);
        long young = young(ceilingBytes);
        long metaspace = Math.max(32 * MB, ceilingBytes * 2 / 5);
        long codeCache = Math.max(16 * MB, ceilingBytes / 8);
        long direct = Math.max(16 * MB, ceilingBytes / 8);
        List<String> flags = new ArrayList<>();
        flags.add("-Xms" + toMb(initialHeap(ceilingBytes)) + "m");
        flags.add("-Xmx" + toMb(heap) + "m");
        flags.add("-Xmn" + toMb(young) + "m");
        flags.add("-XX:MinHeapFreeRatio=10");
        flags.add("-XX:MaxHeapFreeRatio=20");
        flags.add("-XX:-ShrinkHeapInSteps");
        flags.add("-XX:MaxMetaspaceSize=" + toMb(metaspace) + "m");
        flags.add("-XX:ReservedCodeCacheSize=" + toMb(codeCache) + "m");
        flags.add("-XX:MaxDirectMemorySize=" + toMb(direct) + "m");
        if (ceilingBytes < C2_FROM) {
            flags.add("-XX:TieredStopAtLevel=1");
            flags.add("-XX:CompileThresholdScaling=" + COMPILE_THRESHOLD_SCALING);
        }
        flags.add("-XX:TrimNativeHeapInterval=" + TRIM_NATIVE_HEAP_INTERVAL_MS);
        flags.add("-XX:+UseSerialGC");
        flags.add("-XX:+ExitOnOutOfMemoryError");
        flags.add("-XX:-UsePerfData");
        return flags;
    }

    /** The young generation, {@code -Xmn}: C/32, 2 to 32 MB. */
    static long young(long ceilingBytes) {
        return Math.min(32 * MB, Math.max(2 * MB, ceilingBytes / 32));
    }

    /**
     * The initial heap, {@code -Xms}: 8 MB, or twice the young generation where that is more, so that the young
     * generation always fits with room for the old one (a young generation as large as the initial heap makes the
     * JVM warn "NewSize was set larger than initial heap size" and shrink it).
     */
    static long initialHeap(long ceilingBytes) {
        return Math.max(8 * MB, 2 * young(ceilingBytes));
    }

    private static long toMb(long bytes) {
        return bytes / MB;
    }
}
