package dev.hostel.gateway.supervisor;

import java.util.logging.Logger;

/**
 * The instance's memory budget, kept as Kubernetes keeps a node's: runners are <em>admitted</em> by their
 * reservations ({@code memory_reserve}, a request) and <em>held</em> by their ceilings ({@code memory}, a limit the
 * kernel enforces in each runner's cgroup). Three figures make it up:
 *
 * <ul>
 *   <li>the gateway, counted by what it measures (its PSS, re-read every few seconds by {@link MemoryPressure}),
 *       never less than {@link #GATEWAY_FLOOR}; or a fixed figure when {@code gateway_memory} sets one;</li>
 *   <li>the reservations of the runners that run or start, and of the spare runners;</li>
 *   <li>what runners use beyond their reservations, from their last reading (a runner may grow up to its
 *       ceiling; that memory is taken, whatever it reserved).</li>
 * </ul>
 *
 * <p>A runner starts only when its reservation fits beside the three ({@link #tryReserve}); with every reservation
 * equal to its ceiling, the third is always zero and this is the budget of ceilings Hostel always had. Separately,
 * {@link #inUse()} is what the instance measures now (the gateway plus every runner's working set), which
 * {@link MemoryPressure} compares with the total to act before the kernel does.
 */
public final class MemoryBudget {
    private static final Logger LOG = Logger.getLogger(MemoryBudget.class.getName());
    /** The least the gateway is counted for, however little it measures: a JVM's heap grows under load. */
    public static final long GATEWAY_FLOOR = 32L << 20;
    /** The fraction of the total at which the instance is short of memory: Hostel acts from there on. */
    static final double PRESSURE = 0.95;

    private final long total;
    private final long fixedGateway;
    private volatile long gatewayMeasured;
    private long reserved;
    private volatile long runnersInUse;
    private volatile long beyondReservations;

    /**
     * @param total          the budget: the smaller of {@code budget} in hostel.toml and the limit of the
     *                       cgroup Hostel runs in (see {@link #effective})
     * @param fixedGateway   what the gateway is counted for ({@code gateway_memory}), or 0 to count what it measures
     * @param gatewayMeasure what the gateway measures now (its PSS), the first reading; ignored when fixed
     */
    public MemoryBudget(long total, long fixedGateway, long gatewayMeasure) {
        this.total = total;
        this.fixedGateway = fixedGateway;
        this.gatewayMeasured = gatewayMeasure;
        if (gateway() >= total) {
            throw new IllegalArgumentException("the budget (" + mb(total) + ") does not even hold the gateway ("
                    + mb(gateway()) + ")");
        }
    }

    /** The smaller of the configured budget and {@code cgroupLimit} (0 or negative: no limit known). */
    public static long effective(long configured, long cgroupLimit) {
        if (cgroupLimit > 0 && cgroupLimit < configured) {
            LOG.info(() -> "budget: " + mb(cgroupLimit) + " (the limit of Hostel's own cgroup, below the configured "
                    + mb(configured) + ")");
            return cgroupLimit;
        }
        return configured;
    }

    public long total() {
        return total;
    }

    /** What the gateway is counted for: its last measure (at least {@link #GATEWAY_FLOOR}), or the fixed figure. */
    public long gateway() {
        return fixedGateway > 0 ? fixedGateway : Math.max(GATEWAY_FLOOR, gatewayMeasured);
    }

    /** Whether the gateway is counted by what it measures (no {@code gateway_memory}). */
    public boolean gatewayMeasured() {
        return fixedGateway <= 0;
    }

    /** A new measure of the gateway (its PSS). */
    void gatewayMeasured(long bytes) {
        if (bytes > 0) {
            gatewayMeasured = bytes;
        }
    }

    /** A new reading of the runners: their working sets, and the sum of what each uses beyond its reservation. */
    void runnersMeasured(long inUse, long beyond) {
        runnersInUse = inUse;
        beyondReservations = beyond;
    }

    /** What runners may use at most together: the total less the gateway. */
    public long forRunners() {
        return total - gateway();
    }

    /** The reservations of the runners that run or start, and of the spares. */
    public synchronized long reserved() {
        return reserved;
    }

    /** What runners used beyond their reservations at the last reading. */
    public long beyondReservations() {
        return beyondReservations;
    }

    /** Taken, as admission sees it: the gateway, the reservations, and what runners use beyond them. */
    public synchronized long used() {
        return gateway() + reserved + beyondReservations;
    }

    public synchronized long free() {
        return total - used();
    }

    /** Measured now: the gateway plus the working set of every runner (at most a second or a few old). */
    public long inUse() {
        return gateway() + runnersInUse;
    }

    /** Whether what is measured has come within {@link #PRESSURE} of the total: time to make room. */
    boolean underPressure() {
        return inUse() >= total * PRESSURE;
    }

    /** Whether {@code bytes} could fit if nothing else ran. */
    public boolean couldEverFit(long bytes) {
        return bytes <= forRunners();
    }

    /** Reserves {@code bytes} for a runner about to start; {@code false} when it does not fit now. */
    public synchronized boolean tryReserve(long bytes) {
        if (used() + bytes > total) {
            return false;
        }
        reserved += bytes;
        return true;
    }

    /** Gives back what a runner that has exited had reserved. */
    public synchronized void release(long bytes) {
        reserved = Math.max(0, reserved - bytes);
    }

    static String mb(long bytes) {
        return (bytes >> 20) + " MB";
    }
}
