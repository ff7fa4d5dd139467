package dev.hostel.gateway.cli;

import dev.hostel.gateway.Hostel;
import dev.hostel.gateway.LiveSites;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.SiteConfig;
import dev.hostel.gateway.config.SiteSet;
import dev.hostel.gateway.config.Units;
import dev.hostel.gateway.supervisor.OwnMemoryLimit;
import dev.hostel.gateway.supervisor.SiteUsers;
import dev.hostel.gateway.supervisor.MemoryBudget;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hostel check [--conf DIR]}: validates {@code hostel.toml} and every site file offline,
 * like {@code nginx -t}. Prints each error as {@code file:line: key: message} on stderr and a
 * one-line summary on stdout ({@code conf/: hostel.toml ok, 4 sites ok, 1 error}); exits 0 when
 * there is no error, 1 otherwise. Starts nothing and binds nothing. Also warns (without failing) about what lets
 * one site reach another ({@link SecurityWarnings}).
 *
 * <p>Usable on its own: {@code new CommandLine(new CheckCommand()).execute("--conf", dir)}.
 */
@Command(
        name = "check",
        description = "Validate hostel.toml and the site files offline; exit 1 on any error.")
public final class CheckCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    private boolean help;

    @Option(
            names = "--conf",
            paramLabel = "DIR",
            description = "The configuration directory (default: $HOSTEL_CONF, else the installation's conf/).")
    private Path conf;

    @Override
    public Integer call() {
        Path conf = new Locations().confDir(this.conf);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String dir = conf.toString().endsWith("/") ? conf.toString() : conf + "/";
        HostelConfig hostel;
        try {
            hostel = ConfigLoader.loadHostel(conf, OwnMemoryLimit.readOr(HostelConfig.DEFAULT_BUDGET));
        } catch (ConfigException e) {
            e.errors().forEach(error -> err.println(error));
            err.flush();
            out.println(
                    dir
                            + ": "
                            + HostelConfig.FILE_NAME
                            + " "
                            + count(e.errors().size(), "error")
                            + ", sites not checked");
            out.flush();
            return 1;
        }
        long cgroupLimit = OwnMemoryLimit.read();
        if (cgroupLimit > 0 && hostel.budget() > cgroupLimit) {
            // A warning, not an error: Hostel runs, with the smaller budget, as the start-up log says too.
            err.println(dir + HostelConfig.FILE_NAME + ": budget: warning: " + Units.formatSize(hostel.budget())
                    + " is more than the memory limit of the cgroup Hostel runs in ("
                    + Units.formatSize(cgroupLimit) + "); the budget will be " + Units.formatSize(cgroupLimit));
        }
        SiteSet sites = ConfigLoader.loadSites(hostel);
        List<ConfigError> errors = new ArrayList<>(sites.errors());
        // The same words as Hostel's when it refuses such a site, against the budget of hostel.toml (a
        // smaller memory limit of Hostel's own cgroup can only make it worse). Offline the gateway cannot be
        // measured: it counts as gateway_memory when that is set, else as the least a gateway is counted for.
        MemoryBudget budget = new MemoryBudget(hostel.budget(), hostel.gatewayMemory(), MemoryBudget.GATEWAY_FLOOR);
        int fitting = 0;
        for (SiteConfig site : sites.sites()) {
            String problem = LiveSites.neverFits(site, budget);
            if (problem == null) {
                fitting++;
            } else {
                errors.add(new ConfigError(ConfigLoader.display(site.sourceFile()), ConfigError.NO_LINE,
                        "memory", problem + "; Hostel would not start it"));
            }
        }
        for (ConfigError error : errors) {
            err.println(error);
        }
        SecurityWarnings.of(hostel, sites.sites(), SiteUsers.forThisProcess()).forEach(err::println);
        err.flush();
        StringBuilder summary =
                new StringBuilder(dir)
                        .append(": ")
                        .append(HostelConfig.FILE_NAME)
                        .append(" ok, ")
                        .append(count(fitting, "site"))
                        .append(" ok");
        if (!errors.isEmpty()) {
            summary.append(", ").append(count(errors.size(), "error"));
        }
        out.println(summary);
        out.flush();
        return errors.isEmpty() ? 0 : 1;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
