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
import java.util.ArrayList;
import java.util.List;

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

    /** The status of the last answer, for {@code add} to tell an addition from a replacement. */
    private int lastStatus;

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
        return call("GET", "/status", null, null, body -> {
            PrintWriter out = out();
            JsonNode s = JSON.readTree(body);
            JsonNode budget = s.path("budget");
            out.printf("hostel %s, pid %d, up %s%n", s.path("version").asText(), s.path("pid").asLong(),
                    duration(s.path("uptime_seconds").asDouble()));
            Table t = new Table("", "");
            t.row("listeners", join(s.path("listeners")));
            t.row("admin socket", s.path("admin_socket").asText());
            t.row("metrics", s.path("metrics_listen").isNull() ? "admin socket only" : s.path("metrics_listen").asText());
            t.row("budget", size(budget.path("used_bytes").asLong()) + " of " + size(budget.path("total_bytes").asLong())
                    + " reserved, " + size(budget.path("free_bytes").asLong()) + " free; "
                    + size(budget.path("in_use_bytes").asLong()) + " in use");
            t.row("gateway", size(budget.path("gateway_bytes").asLong()) + " ("
                    + (budget.path("gateway_counted").asText().equals("pss") ? "its PSS" : "gateway_memory") + ")");
            t.row("memory measure", budget.path("memory_measure").asText().equals("pss")
                    ? "PSS (no memory cgroups)" : "cgroup working set (usage less inactive file pages)");
            int runners = s.path("runners").asInt();
            t.row("sites", s.path("sites").asInt() + " (" + runners + (runners == 1 ? " runner)" : " runners)"));
            t.row("connections", s.path("connections").asInt());
            t.row("requests", s.path("requests").asLong());
            printWithoutHeader(t);
            return OK;
        });
    }

    @Command(name = "sites", description = "Every site: state, runners, memory, requests.")
    int sites() throws IOException {
        return call("GET", "/sites", null, null, body -> {
            Table t = new Table("NAME", "STATE", ">RUNNERS", ">WORKING SET", ">RESERVE", ">CEILING", ">REQUESTS", ">5XX",
                    "HOSTS");
            for (JsonNode site : JSON.readTree(body)) {
                t.row(site.path("name").asText(), site.path("state").asText(),
                        site.path("runners").asInt() + "/" + site.path("processes").asInt(),
                        size(site.path("memory_working_set_bytes").asLong()),
                        size(site.path("memory_reserve_bytes").asLong() * site.path("processes").asInt()),
                        size(site.path("memory_bytes").asLong() * site.path("processes").asInt()),
                        site.path("requests").asLong(), site.path("errors").asLong(), join(site.path("hosts")));
            }
            PrintWriter out = out();
            t.print(out);
            for (JsonNode site : JSON.readTree(body)) {
                for (String note : notes(site)) {
                    out.println(site.path("name").asText() + ": " + note);
                }
            }
            out.flush();
            return OK;
        });
    }

    /** What is wrong with a site, from its JSON: why it does not run, a change of its file that did not apply. */
    private static List<String> notes(JsonNode site) {
        List<String> notes = new ArrayList<>();
        if (!site.path("problem").isMissingNode() && !site.path("problem").isNull()) {
            String again = site.has("retry_in_seconds")
                    ? String.format(" (tried again by a request in %.0f s, a reload or a change of its file)",
                            site.path("retry_in_seconds").asDouble())
                    : "";
            notes.add(site.path("state").asText() + ": " + site.path("problem").asText() + again);
        }
        JsonNode pending = site.path("pending");
        if (pending.isObject()) {
            notes.add("its file is not what runs: " + pending.path("reason").asText()
                    + " (tried again at the next reload or change of its file)");
        }
        return notes;
    }

    @Command(name = "show", description = "One site, with each runner process and its site file.")
    int show(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("GET", "/sites/" + name, null, null, body -> {
            PrintWriter out = out();
            JsonNode s = JSON.readTree(body);
            Table t = new Table("", "");
            t.row("site", s.path("name").asText());
            t.row("state", s.path("state").asText());
            t.row("hosts", join(s.path("hosts")));
            t.row("app", s.path("app").asText() + " in " + s.path("root").asText());
            t.row("file", s.path("file").asText("-"));
            for (String note : notes(s)) {
                t.row("note", note);
            }
            t.row("memory", size(s.path("memory_working_set_bytes").asLong()) + " working set; per runner "
                    + size(s.path("memory_reserve_bytes").asLong()) + " reserved, ceiling "
                    + size(s.path("memory_bytes").asLong()));
            t.row("requests", s.path("requests").asLong() + " (" + s.path("errors").asLong() + " 5xx), p99 "
                    + millis(s.path("p99_seconds").asDouble()) + ", " + s.path("in_flight").asInt() + " in flight, "
                    + s.path("queued").asInt() + " queued");
            printWithoutHeader(t);
            out.println();
            Table runners = new Table(">#", ">PID", "STATE", ">WORKING SET", ">IN FLIGHT", ">REQUESTS", ">STARTED IN", ">UP");
            for (JsonNode r : s.path("runner_processes")) {
                runners.row(r.path("index").asInt(), r.path("pid").asLong(), r.path("state").asText(),
                        size(r.path("memory_working_set_bytes").asLong()), r.path("in_flight").asInt(), r.path("requests").asLong(),
                        r.path("startup_seconds").isNull() ? "-" : String.format("%.2f s", r.path("startup_seconds").asDouble()),
                        duration(r.path("uptime_seconds").asDouble()));
            }
            runners.print(out);
            out.println();
            out.print(s.path("config").asText());
            out.flush();
            return OK;
        });
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
        return call("PUT", "/sites/" + name, "application/toml", text, body -> {
            JsonNode s = JSON.readTree(body);
            out().println("site " + name + " " + (lastStatus == 201 ? "added" : "replaced") + ": "
                    + join(s.path("hosts")) + " (" + s.path("state").asText() + ")");
            out().flush();
            return OK;
        });
    }

    @Command(name = "remove", description = "Drain and stop a site and remove its file.")
    int remove(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("DELETE", "/sites/" + name, null, null, body -> {
            out().println("site " + name + " removed");
            out().flush();
            return OK;
        });
    }

    @Command(name = "reload", description = "Reload one site (new runners, then switch), or re-read sites.d.")
    int reload(@Parameters(paramLabel = "NAME", arity = "0..1") String name) throws IOException {
        if (name != null) {
            return call("POST", "/sites/" + name + "/reload", null, "", body -> {
                out().println("site " + name + " reloaded");
                out().flush();
                return OK;
            });
        }
        return call("POST", "/reload", null, "", body -> {
            JsonNode report = JSON.readTree(body);
            PrintWriter out = out();
            out.println("reload: " + report.path("summary").asText());
            for (String kind : new String[] {"added", "changed", "changed_in_place", "removed"}) {
                if (report.path(kind).size() > 0) {
                    out.println("  " + kind.replace('_', ' ') + ": " + join(report.path(kind)));
                }
            }
            out.flush();
            for (JsonNode e : report.path("errors")) {
                err().println(e.path("error").asText());
            }
            err().flush();
            return report.path("errors").size() > 0 ? REFUSED : OK;
        });
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
        AdminClient.Response response;
        try {
            response = new AdminClient(socketPath().path()).stream("POST", "/sites/" + name + "/releases",
                    "application/x-tar", release::writeTo);
        } catch (AdminClient.CannotConnectException e) {
            return cannotConnect();
        }
        return answered(response, body -> {
            JsonNode d = JSON.readTree(body);
            out().println("site " + name + ": release " + d.path("release").asText() + " serves"
                    + (d.has("previous") ? " (was " + d.path("previous").asText() + ")" : ""));
            if (d.has("warnings")) {
                out().println("some modules did not compile (they fail only if imported):");
                out().println(d.path("warnings").asText());
            }
            out().flush();
            return OK;
        });
    }

    @Command(name = "releases", description = "The releases of a site, the current one marked.")
    int releases(@Parameters(paramLabel = "NAME") String name) throws IOException {
        return call("GET", "/sites/" + name + "/releases", null, null, body -> {
            Table t = new Table("", ">RELEASE", "CREATED", ">SIZE");
            for (JsonNode r : JSON.readTree(body).path("releases")) {
                t.row(r.path("current").asBoolean() ? "*" : "", r.path("id").asText(), r.path("created").asText(),
                        size(r.path("bytes").asLong()));
            }
            t.print(out());
            return OK;
        });
    }

    @Command(name = "rollback", description = "Go back to the release before the current one, or to release ID.")
    int rollback(@Parameters(paramLabel = "NAME") String name,
                 @Parameters(paramLabel = "ID", arity = "0..1") String id) throws IOException {
        return call("POST", "/sites/" + name + "/rollback" + (id == null ? "" : "/" + id), null, "", body -> {
            JsonNode d = JSON.readTree(body);
            out().println("site " + name + ": release " + d.path("release").asText() + " serves"
                    + (d.has("previous") ? " (was " + d.path("previous").asText() + ")" : ""));
            out().flush();
            return OK;
        });
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

    /** What a subcommand does with a 2xx body (for a person; {@code --json} prints the body instead). */
    @FunctionalInterface
    private interface Success {
        int print(String body) throws IOException;
    }

    private int call(String method, String path, String contentType, String body, Success success) throws IOException {
        AdminClient.Response response;
        try {
            response = new AdminClient(socketPath().path()).send(method, path, contentType, body);
        } catch (AdminClient.CannotConnectException e) {
            return cannotConnect();
        }
        if (path.equals("/reload")) {
            return answeredReload(response, success);
        }
        return answered(response, success);
    }

    private int answeredReload(AdminClient.Response response, Success success) throws IOException {
        int status = answered(response, success);
        if (json && response.ok()) {
            return JSON.readTree(response.body()).path("errors").size() > 0 ? REFUSED : OK;
        }
        return status;
    }

    private int answered(AdminClient.Response response, Success success) throws IOException {
        lastStatus = response.status();
        if (!response.ok()) {
            return refused(response);
        }
        if (json) {
            out().println(response.body().strip());
            out().flush();
            return OK;
        }
        return success.print(response.body());
    }

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
                for (JsonNode more : error.path("errors")) {
                    if (!more.path("error").asText().equals(message)) {
                        message += "\n" + more.path("error").asText();
                    }
                }
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

    private void printWithoutHeader(Table table) {
        java.io.StringWriter text = new java.io.StringWriter();
        table.print(new PrintWriter(text));
        String s = text.toString();
        out().print(s.substring(s.indexOf('\n') + 1));
        out().flush();
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : array) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(n.asText());
        }
        return b.toString();
    }

    /** {@code 143M}; {@code -} when unknown. */
    static String size(long bytes) {
        if (bytes <= 0) {
            return "-";
        }
        long mb = (bytes + (1 << 19)) >> 20;
        return mb >= 10_240 ? String.format("%.1fG", bytes / (double) (1L << 30)) : mb + "M";
    }

    static String millis(double seconds) {
        return seconds <= 0 ? "-" : String.format("%.0f ms", seconds * 1000);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}, {@code 3d04h}. */
    static String duration(double seconds) {
        long s = (long) seconds;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
    }
}
