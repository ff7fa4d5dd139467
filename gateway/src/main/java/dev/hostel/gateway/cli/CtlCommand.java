package dev.hostel.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code hostel ctl}: talks to a running Hostel over its admin socket. Tables for people, {@code --json} for
 * scripts (the API's own JSON, unchanged). Exit codes scripts can rely on:
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><td>0</td><td>done</td></tr>
 *   <tr><td>1</td><td>Hostel said no (4xx, 5xx; its error is printed), or a reload reported errors</td></tr>
 *   <tr><td>2</td><td>wrong usage</td></tr>
 *   <tr><td>3</td><td>cannot connect to the admin socket</td></tr>
 * </table>
 *
 * <p>The socket is found as {@link Locations} says: {@code --socket}, else {@code $HOSTEL_ADMIN_SOCKET}, else
 * {@code admin_socket} of the configuration directory's {@code hostel.toml} ({@code --conf}, {@code $HOSTEL_CONF},
 * the installation's {@code conf/}), so that it works from any directory.
 */
// scope INHERIT: every subcommand takes --help too (`hostel ctl top --help`).
@Command(name = "ctl", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        description = "Control a running Hostel over its admin socket.",
        subcommands = CommandLine.HelpCommand.class)
public final class CtlCommand {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int CANNOT_CONNECT = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    private Locations.Socket located;

    @Option(names = "--socket", paramLabel = "PATH", scope = CommandLine.ScopeType.INHERIT,
            description = "The admin socket (default: $HOSTEL_ADMIN_SOCKET, else admin_socket of --conf's hostel.toml).")
    private Path socket;

    @Option(names = "--conf", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "The configuration directory whose hostel.toml names the socket "
                    + "(default: $HOSTEL_CONF, else the installation's conf/).")
    private Path conf;

    @Option(names = "--json", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the API's JSON as it is, for scripts.")
    private boolean json;

    @Command(name = "status", description = "The gateway: version, uptime, listeners, budget, counts.")
    int status() throws IOException {
        return call("GET", "/status", null, null);
    }

    @Command(name = "sites", description = "Every site: state, runners, memory, requests.")
    int sites() throws IOException {
        return call("GET", "/sites", null, null);
    }

    @Command(name = "show", description = "One site, with each runner process and its site file.")
    int show(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("GET", "/sites/" + name, null, null);
    }

    @Command(name = "add", description = "Add or replace the site of a site file (its name is the file's base name).")
    int add(@Parameters(paramLabel = "FILE") Path file) throws IOException {
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".toml") ? fileName.substring(0, fileName.length() - 5) : fileName;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            err().println("hostel ctl: cannot read " + file + ": " + e.getMessage());
            err().flush();
            return CommandLine.ExitCode.USAGE;
        }
        return call("PUT", "/sites/" + name, "application/toml", text);
    }

    @Command(name = "remove", description = "Drain and stop a site and remove its file.")
    int remove(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("DELETE", "/sites/" + name, null, null);
    }

    @Command(name = "reload", description = "Reload one site (new runners, then switch), or re-read sites.d.")
    int reload(@Parameters(paramLabel = "NAME", arity = "0..1") String name) throws IOException {
        return call("POST", name == null ? "/reload" : "/sites/" + name + "/reload", null, "");
    }

    @Command(name = "deploy", description = "Deploy a release of a site's code: a folder, a .tar/.tar.gz file, or -"
            + " for a tar on standard input (git archive HEAD | hostel ctl deploy NAME -).")
    int deploy(@Parameters(paramLabel = "NAME") String name, @Parameters(paramLabel = "SOURCE") String source)
            throws IOException {
        ReleaseSource release = new ReleaseSource(source);
        try {
            release.check();
        } catch (IOException e) {
            err().println("hostel ctl: " + e.getMessage());
            err().flush();
            return 2;
        }
        try {
            return printed(new AdminClient(socketPath().path()).stream("POST", withFormat("/sites/" + name + "/releases"),
                    "application/x-tar", release::writeTo));
        } catch (AdminClient.CannotConnectException e) {
            return cannotConnect();
        }
    }

    @Command(name = "releases", description = "The releases of a site, the current one marked.")
    int releases(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("GET", "/sites/" + name + "/releases", null, null);
    }

    @Command(name = "rollback", description = "Go back to the release before the current one, or to release ID.")
    int rollback(@Parameters(paramLabel = "NAME") String name,
                 @Parameters(paramLabel = "ID", arity = "0..1") String id) throws IOException {
        return call("POST", "/sites/" + name + "/rollback" + (id == null ? "" : "/" + id), null, "");
    }

    @Command(name = "top", description = "A live view of every site, refreshed every second; Ctrl-C to stop.")
    int top(@Option(names = "--iterations", paramLabel = "N", defaultValue = "0",
                    description = "Stop after N screens (default: never).") int iterations,
            @Option(names = "--once", description = "One screen, without clearing the terminal.") boolean once,
            @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
                    description = "Seconds between screens (default: ${DEFAULT-VALUE}).") double interval)
            throws IOException, InterruptedException {
        int screens = once ? 1 : iterations;
        TopView view = new TopView();
        AdminClient client = new AdminClient(socketPath().path());
        for (int i = 0; screens <= 0 || i < screens; i++) {
            if (i > 0) {
                Thread.sleep((long) (interval * 1000));
            }
            AdminClient.Response status;
            AdminClient.Response sites;
            try {
                status = client.get("/status");
                sites = client.get("/sites");
            } catch (AdminClient.CannotConnectException e) {
                return cannotConnect();
            }
            if (!sites.ok() || !status.ok()) {
                return refused(sites.ok() ? status : sites);
            }
            PrintWriter out = out();
            if (json) {
                out.println(sites.body().strip());
            } else {
                if (!once) {
                    out.print("\033[H\033[2J");
                }
                view.render(JSON.readTree(status.body()), JSON.readTree(sites.body()), System.nanoTime(), out);
            }
            out.flush();
        }
        return OK;
    }

    /**
     * Sends one request asking for the answer as ctl prints it ({@code ?format=text}, or {@code json} with
     * {@code --json}), which the gateway renders (so that {@code scripts/hostel ctl} over curl prints the same), and
     * prints it.
     */
    private int call(String method, String path, String contentType, String body) throws IOException {
        try {
            return printed(new AdminClient(socketPath().path()).send(method, withFormat(path), contentType, body));
        } catch (AdminClient.CannotConnectException e) {
            return cannotConnect();
        }
    }

    private String withFormat(String path) {
        return path + "?format=" + (json ? "json" : "text");
    }

    /** Copies a rendered answer: its standard output, its standard error; returns its exit code. */
    private int printed(AdminClient.Response response) {
        AdminClient.Printed printed = response.printed();
        if (printed == null) {
            err().println("hostel ctl: the Hostel at " + socketPath().path() + " answered " + response.status()
                    + " without what ctl prints (a Hostel older than this ctl?)");
            err().flush();
            return REFUSED;
        }
        out().print(printed.out());
        out().flush();
        err().print(printed.err());
        err().flush();
        return printed.exit();
    }

    /** A {@code GET} of the API's JSON, for {@code top}: its error as ctl prints it on failure. */
    private int refused(AdminClient.Response response) {
        if (json) {
            out().println(response.body().strip());
            out().flush();
        }
        String message = response.body().strip();
        try {
            JsonNode error = JSON.readTree(response.body());
            if (error.hasNonNull("error")) {
                message = error.get("error").asText();
            }
        } catch (IOException e) {
            // not JSON: print it as it came
        }
        err().println("hostel ctl: " + message + " (" + response.status() + ")");
        err().flush();
        return REFUSED;
    }

    private int cannotConnect() {
        Locations.Socket tried = socketPath();
        err().println("hostel ctl: cannot connect to " + tried.path() + ": is Hostel running?"
                + (socket != null ? "" : "\n  (" + tried.source() + "; --socket PATH, $" + Locations.SOCKET_ENV
                        + " or --conf DIR for another)"));
        err().flush();
        return CANNOT_CONNECT;
    }

    /** The socket to talk to and where that came from (computed once: it may read hostel.toml). */
    private Locations.Socket socketPath() {
        if (located == null) {
            located = new Locations().adminSocket(socket, conf);
        }
        return located;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
