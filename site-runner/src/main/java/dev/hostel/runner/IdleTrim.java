package dev.hostel.runner;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Gives memory back once a runner has been idle for a while: one full GC, after which SerialGC shrinks the heap to
 * its live data plus {@code MaxHeapFreeRatio} (at once, with {@code -XX:-ShrinkHeapInSteps}) and returns the rest
 * to the kernel, and the JVM's native-heap trimmer ({@code -XX:TrimNativeHeapInterval}) hands glibc's freed malloc
 * pages back.
 *
 * <p>Why: a burst of requests grows the heap and the malloc arenas, and neither shrinks by itself while nothing
 * allocates (SerialGC resizes only at a GC; glibc keeps freed pages). An idle runner's working set is what its
 * memory cgroup is charged and what the memory budget sees, so an idle site holds only what it needs. Once per idle
 * period: after {@link #after} without a request (none in flight, and at least one served since the last trim).
 * The check runs on the server's event loop, which has nothing else to do then; no thread of its own.
 *
 * <p>The delay is the system property {@value #PROPERTY} (seconds; 0 disables), set by the gateway's launcher.
 */
final class IdleTrim {
    static final String PROPERTY = "hostel.idleTrimSeconds";
    static final Duration DEFAULT = Duration.ofSeconds(30);

    private final Duration after;
    private final LongSupplier lastActivityNanos;
    private final LongSupplier inFlight;
    private final Runnable collect;
    private long trimmedFor = Long.MIN_VALUE;
    private ScheduledFuture<?> check;

    IdleTrim(Duration after, LongSupplier lastActivityNanos, LongSupplier inFlight, Runnable collect) {
        this.after = after;
        this.lastActivityNanos = lastActivityNanos;
        this.inFlight = inFlight;
        this.collect = collect;
    }

    /** The delay the gateway asked for, {@link #DEFAULT} when it said nothing; zero disables. */
    static Duration configured() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return DEFAULT;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            Log.info("ignoring -D" + PROPERTY + "=" + value + " (not a number of seconds); using "
                    + DEFAULT.toSeconds());
            return DEFAULT;
        }
    }

    /** Checks on {@code loop} a few times per delay from now on, until {@link #stop}. */
    void start(EventLoopGroup loop) {
        if (after.isZero()) {
            return;
        }
        long period = Math.max(1, after.toMillis() / 4);
        check = loop.scheduleWithFixedDelay(() -> check(System.nanoTime()), period, period, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (check != null) {
            check.cancel(false);
        }
    }

    /** Collects if the runner has been idle long enough and has served something since it last collected. */
    boolean check(long now) {
        long last = lastActivityNanos.getAsLong();
        if (last == trimmedFor || inFlight.getAsLong() > 0 || now - last < after.toNanos()) {
            return false;
        }
        trimmedFor = last;
        collect.run();
        return true;
    }

    /** The collection itself: a full GC (the heap shrinks); the native heap is trimmed by the JVM's trimmer. */
    static void collect() {
        System.gc();
    }
}
