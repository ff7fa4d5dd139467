package dev.hostel.gateway.supervisor;

import java.util.logging.Logger;

/**
 * The instance's memory budget: the ceilings of the runners that run, plus an allowance for the gateway itself,
 * never exceed it. A runner reserves its ceiling before it starts and gives it back when it has exited.
 */
public final class MemoryBudget {
    private static final Logger LOG = Logger.getLogger(MemoryBudget.class.getName());

    private final long total;
    private final long gatewayAllowance;
    private long reserved;

    /**
     * @param total            the budget: the smaller of {@code budget} in hostel.toml and the limit of the
     *                         cgroup Hostel runs in (see {@link #effective})
     * @param gatewayAllowance what the gateway itself may use
     */
    public MemoryBudget(long total, long gatewayAllowance) {
        if (gatewayAllowance >= total) {
            throw new IllegalArgumentException("the budget (" + mb(total) + ") does not even hold the gateway ("
                    + mb(gatewayAllowance) + ")");
        }
        this.total = total;
        this.gatewayAllowance = gatewayAllowance;
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

    public long gatewayAllowance() {
        return gatewayAllowance;
    }

    /** What runners may use at most: the total less the gateway's allowance. */
    public long forRunners() {
        return total - gatewayAllowance;
    }

    /** Used: the gateway's allowance plus the ceilings of the runners that run or start. */
    public synchronized long used() {
        return gatewayAllowance + reserved;
    }

    public synchronized long free() {
        return total - gatewayAllowance - reserved;
    }

    /** Whether {@code bytes} could fit if nothing else ran. */
    public boolean couldEverFit(long bytes) {
        return bytes <= forRunners();
    }

    /** Reserves {@code ceiling} for a runner about to start; {@code false} when it does not fit now. */
    public synchronized boolean tryReserve(long ceiling) {
        if (reserved + ceiling > forRunners()) {
            return false;
        }
        reserved += ceiling;
        return true;
    }

    /** Gives back what a runner that has exited had reserved. */
    public synchronized void release(long ceiling) {
        reserved = Math.max(0, reserved - ceiling);
    }

    static String mb(long bytes) {
        return (bytes >> 20) + " MB";
    }
}
