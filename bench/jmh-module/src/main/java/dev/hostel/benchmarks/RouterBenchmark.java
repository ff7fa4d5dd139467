package dev.hostel.benchmarks;

import dev.hostel.gateway.routing.HostRouter;
import dev.hostel.gateway.routing.Routes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gateway's Host lookup ({@link Routes#route} over a {@link HostRouter}, as {@code LiveSites} does it) among
 * {@code sites} sites. Site N has the exact host {@code siteN.example.com}, the wildcard {@code *.siteN.example.com},
 * and every tenth one two aliases ({@code siteN.example.org}, {@code www.siteN.example.org}); one more site is the
 * default.
 *
 * <p>Every request goes the realistic way through {@link HostRouter#normalize}: the {@code Host} has a port and
 * mixed case ({@code Site123.Example.COM:8080}), so each lookup lower-cases a fresh string and hashes it, as a
 * decoded request's header would be. The hosts are pre-generated for random sites and read with a rotating
 * index, so the JIT can neither constant-fold the argument nor the answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {
    private static final int HOSTS = 4096; // a power of two: the index wraps with a mask
    private static final int MASK = HOSTS - 1;

    @Param("10000")
    public int sites;

    /** What a host routes to; stands in for the gateway's {@code Site}. */
    public static final class Target {
        final String name;

        Target(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Routes<Target> routes;
    private Target defaultSite;
    private final String[] exactHosts = new String[HOSTS];
    private final String[] wildcardHosts = new String[HOSTS];
    private final String[] aliasHosts = new String[HOSTS];
    private final String[] missHosts = new String[HOSTS];
    private int i;

    @Setup
    public void setUp() {
        HostRouter.Builder<Target> b = HostRouter.builder();
        List<Target> targets = new ArrayList<>(sites);
        for (int n = 0; n < sites; n++) {
            Target t = new Target("site" + n);
            targets.add(t);
            b.add("site" + n + ".example.com", t);
            b.add("*.site" + n + ".example.com", t);
            if (n % 10 == 0) {
                b.add("site" + n + ".example.org", t);
                b.add("www.site" + n + ".example.org", t);
            }
        }
        defaultSite = new Target("default");
        b.add("default.example.net", defaultSite).defaultTarget(defaultSite);
        routes = new Routes<>(b.build());

        SplittableRandom random = new SplittableRandom(42);
        for (int k = 0; k < HOSTS; k++) {
            int n = random.nextInt(sites);
            int aliased = n - n % 10;
            exactHosts[k] = "Site" + n + ".Example.COM:8080";
            wildcardHosts[k] = "A.b.Site" + n + ".example.com:8080";
            aliasHosts[k] = "WWW.site" + aliased + ".Example.org:443";
            missHosts[k] = "Unknown" + n + ".Example.NET:8080";
            check(exactHosts[k], targets.get(n));
            check(wildcardHosts[k], targets.get(n));
            check(aliasHosts[k], targets.get(aliased));
            check(missHosts[k], defaultSite);
        }
    }

    private void check(String host, Target expected) {
        Target got = routes.route(host);
        if (got != expected) {
            throw new IllegalStateException(host + " routed to " + got + ", expected " + expected);
        }
    }

    private int next() {
        int k = i;
        i = (k + 1) & MASK;
        return k;
    }

    /** {@code Site123.Example.COM:8080}: one exact hash hit. */
    @Benchmark
    public Target exactHit() {
        return routes.route(exactHosts[next()]);
    }

    /** {@code A.b.Site123.example.com:8080}: an exact miss, then wildcard probes {@code b.site123...}, {@code site123...}. */
    @Benchmark
    public Target wildcardHit() {
        return routes.route(wildcardHosts[next()]);
    }

    /** {@code WWW.site120.Example.org:443}: an alias, an exact hit in the same table. */
    @Benchmark
    public Target aliasHit() {
        return routes.route(aliasHosts[next()]);
    }

    /** {@code Unknown123.Example.NET:8080}: exact miss, wildcard probes {@code example.net}, {@code net}, default. */
    @Benchmark
    public Target missToDefault() {
        return routes.route(missHosts[next()]);
    }

    /** Only {@link HostRouter#normalize} of the exact-hit hosts: the share of the lookup that is string work. */
    @Benchmark
    public String normalizeOnly() {
        return HostRouter.normalize(exactHosts[next()]);
    }
}
