package dev.hostel.gateway.cli;

import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.config.ConfigException;
import dev.hostel.gateway.config.ConfigLoader;
import dev.hostel.gateway.config.HostelConfig;
import dev.hostel.gateway.config.SiteSet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hostel check [--conf DIR]}: validates {@code hostel.toml} and every site file offline,
 * like {@code nginx -t}. Prints each error as {@code file:line: key: message} on stderr and a
 * one-line summary on stdout ({@code conf/: hostel.toml ok, 4 sites ok, 1 error}); exits 0 when
 * there is no error, 1 otherwise. Starts nothing and binds nothing.
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
            hostel = ConfigLoader.loadHostel(conf);
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
        SiteSet sites = ConfigLoader.loadSites(hostel);
        for (ConfigError error : sites.errors()) {
            err.println(error);
        }
        err.flush();
        StringBuilder summary =
                new StringBuilder(dir)
                        .append(": ")
                        .append(HostelConfig.FILE_NAME)
                        .append(" ok, ")
                        .append(count(sites.sites().size(), "site"))
                        .append(" ok");
        if (sites.hasErrors()) {
            summary.append(", ").append(count(sites.errors().size(), "error"));
        }
        out.println(summary);
        out.flush();
        return sites.hasErrors() ? 1 : 0;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
