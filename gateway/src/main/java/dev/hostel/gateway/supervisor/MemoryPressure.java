package dev.hostel.gateway.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps the instance inside its budget before the kernel has to: once a second it reads what the gateway and the
 * runners use (the gateway's PSS every few seconds, each runner's working set from {@link MemoryWatch}), tells the
 * {@link MemoryBudget}, and when the instance is short ({@link MemoryBudget#underPressure}: within 5% of the total)
 * makes room, one step at a time, as a kubelet evicts under node pressure:
 *
 * <ol>
 *   <li>the least recently used site that may scale to zero and had no request for {@link Supervisor#IDLE} is
 *       stopped (it starts again on its next request, from a spare runner when there is one);</li>
 *   <li>else a spare runner is given up;</li>
 *   <li>else the least recently used such site with nothing in flight is stopped;</li>
 *   <li>else, only when the instance is over its total, the runner furthest beyond its reservation is recycled:
 *       the site that grew pays for it, not a neighbour.</li>
 * </ol>
 *
 * <p>Meanwhile new starts are refused (503 with Retry-After) because admission counts what runners use beyond
 * their reservations. Should the kernel still act first, two things make it choose as Hostel would: the runners'
 * common cgroup is limited to the budget less the gateway ({@link MemoryCgroups#limitRunners}), so the gateway is
 * never its victim; and a runner beyond its reservation gets {@code oom_score_adj} 1000, so the OOM killer takes
 * it before any runner within its reservation.
 */
final class MemoryPressure {
    private static final Logger LOG = Logger.getLogger(MemoryPressure.class.getName());
    /** The gateway's PSS is read every this many checks: reading smaps_rollup walks the JVM's mappings. */
    private static final int GATEWAY_EVERY = 5;
    /** The runners' cgroup limit is written again once the gateway's count has moved by this much. */
    private static final long LIMIT_STEP = 4L << 20;
    /** The {@code oom_score_adj} of a runner beyond its reservation: the first the kernel's OOM killer takes. */
    private static final int BEYOND_RESERVATION_OOM_SCORE = 1000;

    private final MemoryBudget budget;
    private final RunnerLauncher launcher;
    private final SparePool spares;
    private final Supplier<Collection<SiteSupervisor>> sites;
    private final Map<Long, Boolean> steered = new ConcurrentHashMap<>();
    private long checks;
    private long runnersLimit = -1;
    private CompletableFuture<Void> relief = CompletableFuture.completedFuture(null);
    private boolean toldRefusing;

    MemoryPressure(MemoryBudget budget, RunnerLauncher launcher, SparePool spares,
                   Supplier<Collection<SiteSupervisor>> sites) {
        this.budget = budget;
        this.launcher = launcher;
        this.spares = spares;
        this.sites = sites;
    }

    /** One reading and, under pressure, one step; the supervisor's scheduler calls it every second. */
    void check() {
        if (checks++ % GATEWAY_EVERY == 0 && budget.gatewayMeasured()) {
            budget.gatewayMeasured(ProcessMemory.pssBytes(ProcessHandle.current().pid()));
        }
        long inUse = 0;
        long beyond = 0;
        RunnerProcess furthest = null;
        long furthestBeyond = 0;
        Set<Long> seen = new HashSet<>();
        for (SiteSupervisor site : sites.get()) {
            for (RunnerProcess runner : site.runners()) {
                long bytes = launcher.memoryWatch().latest(runner.pid());
                if (!runner.state().isAlive() || bytes < 0) {
                    continue;
                }
                inUse += bytes;
                long over = bytes - site.site().memoryReserve();
                if (over > 0) {
                    beyond += over;
                    if (over > furthestBeyond) {
                        furthest = runner;
                        furthestBeyond = over;
                    }
                }
                seen.add(runner.pid());
                steerOomKiller(runner.pid(), over > 0);
            }
        }
        steered.keySet().retainAll(seen);
        for (SpareProcess spare : spares.spares()) {
            long bytes = spare.cgroup().map(RunnerCgroup::workingSetBytes)
                    .orElseGet(() -> ProcessMemory.pssBytes(spare.pid()));
            inUse += Math.max(0, bytes);
        }
        budget.runnersMeasured(inUse, beyond);
        limitRunners();
        if (budget.reserved() > budget.forRunners() && relief.isDone()) {
            // The gateway grew after the reservations were made: a spare reserves room that no site uses yet, so
            // it is given back first; sites keep theirs (what they use is what the check below acts on).
            relief = spares.giveUpOne("the gateway, now counted at " + MemoryBudget.mb(budget.gateway()))
                    .orElse(relief);
        }
        if (budget.underPressure() && relief.isDone()) {
            relief = relieve(furthest);
        } else if (!budget.underPressure()) {
            toldRefusing = false;
        }
    }

    private CompletableFuture<Void> relieve(RunnerProcess furthest) {
        String why = "memory pressure (" + MemoryBudget.mb(budget.inUse()) + " of " + MemoryBudget.mb(budget.total())
                + " in use)";
        Optional<SiteSupervisor> idle = Supervisor.leastRecentlyUsedIdle(sites.get(), null, Supervisor.quietSince());
        if (idle.isEmpty()) {
            Optional<CompletableFuture<Void>> spareGone = spares.giveUpOne(why);
            if (spareGone.isPresent()) {
                return spareGone.get();
            }
            idle = Supervisor.leastRecentlyUsedIdle(sites.get(), null, System.nanoTime());
        }
        if (idle.isPresent()) {
            SiteSupervisor site = idle.get();
            LOG.info(() -> why + ": stopping site " + site.site().name() + ", idle and the least recently used");
            launcher.events().count(site.site().name(), "evict", "memory");
            return site.scaleToZero(why);
        }
        if (budget.inUse() > budget.total() && furthest != null) {
            RunnerProcess runner = furthest;
            SiteSupervisor site = sites.get().stream().filter(s -> s.runners().contains(runner)).findFirst().orElse(null);
            if (site != null) {
                LOG.warning(() -> why + ": site " + runner.site().name() + " is the furthest beyond its memory_reserve ("
                        + MemoryBudget.mb(runner.site().memoryReserve()) + "); recycling its runner " + runner.index());
                return site.recycle(runner, "memory pressure");
            }
        }
        if (!toldRefusing) {
            toldRefusing = true;
            LOG.warning(() -> why + ": no idle site to stop; new starts are refused until memory comes back");
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Keeps the runners' common cgroup limited to the budget less the gateway, as the gateway's count moves. */
    private void limitRunners() {
        long limit = budget.forRunners();
        if (Math.abs(limit - runnersLimit) >= LIMIT_STEP && launcher.cgroups().limitRunners(limit)) {
            long before = runnersLimit;
            runnersLimit = limit;
            if (before < 0) {
                LOG.info(() -> "runners' cgroup limited to " + MemoryBudget.mb(limit) + " (the budget of "
                        + MemoryBudget.mb(budget.total()) + " less " + MemoryBudget.mb(budget.gateway())
                        + " for the gateway)");
            }
        }
    }

    /** Writes a runner's {@code oom_score_adj} when it crosses its reservation, either way. */
    private void steerOomKiller(long pid, boolean beyondReservation) {
        Boolean before = steered.put(pid, beyondReservation);
        if (before != null && before == beyondReservation || before == null && !beyondReservation) {
            return;
        }
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "oom_score_adj"),
                    Integer.toString(beyondReservation ? BEYOND_RESERVATION_OOM_SCORE : 0));
        } catch (IOException e) {
            steered.remove(pid); // gone, or not ours to change: nothing to steer
        }
    }
}
