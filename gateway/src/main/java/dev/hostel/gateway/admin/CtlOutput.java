package dev.hostel.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * What {@code hostel ctl} prints for an answer of the API, rendered here, in the gateway, so that the two ways
 * {@code scripts/hostel ctl} has of asking print the same bytes: the Java CLI, and {@code curl --unix-socket}
 * (no JVM to start, about 20 times faster). Both send the request with {@code ?format=text} (tables for people;
 * {@code Accept: text/plain} alone asks the same) or {@code ?format=json} ({@code ctl --json}: the API's JSON), and
 * copy what comes back: the body is standard output followed by standard error, the header
 * {@value #STDOUT_HEADER} says how many bytes of it are standard output and {@value #EXIT_HEADER} the exit code.
 *
 * <p>Exit codes: 0 done; 1 Hostel said no (a 4xx or 5xx; its error is on standard error as
 * {@code hostel ctl: MESSAGE (STATUS)}), or a reload reported errors. The client's own (2 wrong usage, 3 cannot
 * connect) never reach the gateway. An endpoint that is no ctl command (metrics, a release upload) is answered as
 * the API answers it.
 */
final class CtlOutput {
    static final String STDOUT_HEADER = "Hostel-Ctl-Stdout";
    static final String EXIT_HEADER = "Hostel-Ctl-Exit";
    static final String CONTENT_TYPE = "text/plain; charset=utf-8";

    private CtlOutput() {
    }

    /** How the client wants an answer. */
    enum Form {
        /** The API's own answer (JSON). */
        API,
        /** As {@code hostel ctl} prints it for people. */
        TEXT,
        /** As {@code hostel ctl --json} prints it. */
        JSON;

        /**
         * From the query's {@code format} ({@code text}, {@code json}), else {@code Accept: text/plain} (its first
         * media type), else the API's.
         *
         * @throws AdminException for a {@code format} it does not know
         */
        static Form of(Map<String, List<String>> query, String accept) {
            List<String> format = query.getOrDefault("format", List.of());
            if (!format.isEmpty()) {
                return switch (format.get(0)) {
                    case "text" -> TEXT;
                    case "json" -> JSON;
                    default -> throw new AdminException(400, "format=" + format.get(0)
                            + " is not understood; use format=text or format=json");
                };
            }
            if (accept != null && accept.split("[,;]")[0].trim().toLowerCase(Locale.ROOT).equals("text/plain")) {
                return TEXT;
            }
            return API;
        }
    }

    /** {@code answer} as {@code hostel ctl} prints it for {@code request}; unchanged when it is no ctl command. */
    static AdminResponse render(AdminRequest request, AdminResponse answer) {
        if (request.form() == Form.API || answer.json() == null || request.path().equals("/metrics")) {
            return answer;
        }
        Printed printed = new Printed();
        int exit;
        if (answer.status() >= 400) {
            if (request.form() == Form.JSON) {
                printed.out.println(api(answer));
            }
            printed.err.println("hostel ctl: " + errorMessage(answer.json()) + " (" + answer.status() + ")");
            exit = 1;
        } else if (request.form() == Form.JSON) {
            printed.out.println(api(answer));
            exit = isReload(request) && answer.json().path("errors").size() > 0 ? 1 : 0;
        } else {
            exit = people(request, answer, printed);
        }
        return printed.response(answer.status(), exit);
    }

    /** The API's answer as {@code --json} prints it: its JSON, ending with one newline. */
    private static String api(AdminResponse answer) {
        return new String(answer.body(), StandardCharsets.UTF_8).strip();
    }

    /** The error and every other distinct one behind it, one a line. */
    private static String errorMessage(JsonNode error) {
        if (!error.hasNonNull("error")) {
            return error.toString();
        }
        StringBuilder message = new StringBuilder(error.get("error").asText());
        for (JsonNode more : error.path("errors")) {
            if (!more.path("error").asText().equals(error.get("error").asText())) {
                message.append('\n').append(more.path("error").asText());
            }
        }
        return message.toString();
    }

    private static boolean isReload(AdminRequest r) {
        return "POST".equals(r.method()) && trimmed(r.path()).equals("/reload");
    }

    private static String trimmed(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** The tables and lines for people; returns the exit code. */
    private static int people(AdminRequest r, AdminResponse answer, Printed p) {
        String path = trimmed(r.path());
        JsonNode body = answer.json();
        switch (path) {
            case "/status" -> status(body, p.out);
            case "/sites" -> sites(body, p.out);
            case "/reload" -> {
                return reload(body, p);
            }
            default -> {
                Matcher m = AdminApi.SITE.matcher(path);
                if (!m.matches()) {
                    p.out.print(body.toPrettyString());
                    return 0;
                }
                String name = m.group(1);
                String action = m.group(2) == null ? "" : m.group(2);
                if (action.equals("/releases") && r.method().equals("GET")) {
                    releases(body, p.out);
                } else if (action.equals("/releases") || action.startsWith("/rollback")) {
                    p.out.println("site " + name + ": release " + body.path("release").asText() + " serves"
                            + (body.has("previous") ? " (was " + body.path("previous").asText() + ")" : ""));
                    if (body.has("warnings")) {
                        p.out.println("some modules did not compile (they fail only if imported):");
                        p.out.println(body.path("warnings").asText());
                    }
                } else if (action.equals("/reload")) {
                    p.out.println("site " + name + " reloaded");
                } else if (r.method().equals("PUT")) {
                    p.out.println("site " + name + " " + (answer.status() == 201 ? "added" : "replaced") + ": "
                            + join(body.path("hosts")) + " (" + body.path("state").asText() + ")");
                } else if (r.method().equals("DELETE")) {
                    p.out.println("site " + name + " removed");
                } else {
                    show(body, p.out);
                }
            }
        }
        return 0;
    }

    private static void status(JsonNode s, PrintWriter out) {
        JsonNode budget = s.path("budget");
        out.printf("hostel %s, pid %d, up %s%n", s.path("version").asText(), s.path("pid").asLong(),
                Table.duration(s.path("uptime_seconds").asDouble()));
        Table t = new Table("", "");
        t.row("listeners", join(s.path("listeners")));
        t.row("admin socket", s.path("admin_socket").asText());
        t.row("metrics", s.path("metrics_listen").isNull() ? "admin socket only" : s.path("metrics_listen").asText());
        t.row("budget", Table.size(budget.path("used_bytes").asLong()) + " of " + Table.size(budget.path("total_bytes").asLong())
                + " reserved, " + Table.size(budget.path("free_bytes").asLong()) + " free; "
                + Table.size(budget.path("in_use_bytes").asLong()) + " in use");
        t.row("gateway", Table.size(budget.path("gateway_bytes").asLong()) + " ("
                + (budget.path("gateway_counted").asText().equals("pss") ? "its PSS" : "gateway_memory") + ")");
        t.row("memory measure", budget.path("memory_measure").asText().equals("pss")
                ? "PSS (no memory cgroups)" : "cgroup working set (usage less inactive file pages)");
        int runners = s.path("runners").asInt();
        t.row("sites", s.path("sites").asInt() + " (" + runners + (runners == 1 ? " runner)" : " runners)"));
        t.row("connections", s.path("connections").asInt());
        t.row("requests", s.path("requests").asLong());
        printWithoutHeader(t, out);
    }

    private static void sites(JsonNode sites, PrintWriter out) {
        Table t = new Table("NAME", "STATE", ">RUNNERS", ">WORKING SET", ">RESERVE", ">CEILING", ">REQUESTS", ">5XX",
                "HOSTS");
        for (JsonNode site : sites) {
            t.row(site.path("name").asText(), site.path("state").asText(),
                    site.path("runners").asInt() + "/" + site.path("processes").asInt(),
                    Table.size(site.path("memory_working_set_bytes").asLong()),
                    Table.size(site.path("memory_reserve_bytes").asLong() * site.path("processes").asInt()),
                    Table.size(site.path("memory_bytes").asLong() * site.path("processes").asInt()),
                    site.path("requests").asLong(), site.path("errors").asLong(), join(site.path("hosts")));
        }
        t.print(out);
        for (JsonNode site : sites) {
            for (String note : notes(site)) {
                out.println(site.path("name").asText() + ": " + note);
            }
        }
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

    private static void show(JsonNode s, PrintWriter out) {
        Table t = new Table("", "");
        t.row("site", s.path("name").asText());
        t.row("state", s.path("state").asText());
        t.row("hosts", join(s.path("hosts")));
        t.row("app", s.path("app").asText() + " in " + s.path("root").asText());
        t.row("file", s.path("file").asText("-"));
        for (String note : notes(s)) {
            t.row("note", note);
        }
        t.row("memory", Table.size(s.path("memory_working_set_bytes").asLong()) + " working set; per runner "
                + Table.size(s.path("memory_reserve_bytes").asLong()) + " reserved, ceiling "
                + Table.size(s.path("memory_bytes").asLong()));
        t.row("requests", s.path("requests").asLong() + " (" + s.path("errors").asLong() + " 5xx), p99 "
                + Table.millis(s.path("p99_seconds").asDouble()) + ", " + s.path("in_flight").asInt() + " in flight, "
                + s.path("queued").asInt() + " queued");
        printWithoutHeader(t, out);
        out.println();
        Table runners = new Table(">#", ">PID", "STATE", ">WORKING SET", ">IN FLIGHT", ">REQUESTS", ">STARTED IN", ">UP");
        for (JsonNode r : s.path("runner_processes")) {
            runners.row(r.path("index").asInt(), r.path("pid").asLong(), r.path("state").asText(),
                    Table.size(r.path("memory_working_set_bytes").asLong()), r.path("in_flight").asInt(), r.path("requests").asLong(),
                    r.path("startup_seconds").isNull() ? "-" : String.format("%.2f s", r.path("startup_seconds").asDouble()),
                    Table.duration(r.path("uptime_seconds").asDouble()));
        }
        runners.print(out);
        out.println();
        out.print(s.path("config").asText());
    }

    private static int reload(JsonNode report, Printed p) {
        p.out.println("reload: " + report.path("summary").asText());
        for (String kind : new String[] {"added", "changed", "changed_in_place", "removed"}) {
            if (report.path(kind).size() > 0) {
                p.out.println("  " + kind.replace('_', ' ') + ": " + join(report.path(kind)));
            }
        }
        for (JsonNode e : report.path("errors")) {
            p.err.println(e.path("error").asText());
        }
        return report.path("errors").size() > 0 ? 1 : 0;
    }

    private static void releases(JsonNode body, PrintWriter out) {
        Table t = new Table("", ">RELEASE", "CREATED", ">SIZE");
        for (JsonNode r : body.path("releases")) {
            t.row(r.path("current").asBoolean() ? "*" : "", r.path("id").asText(), r.path("created").asText(),
                    Table.size(r.path("bytes").asLong()));
        }
        t.print(out);
    }

    private static void printWithoutHeader(Table table, PrintWriter out) {
        StringWriter text = new StringWriter();
        table.print(new PrintWriter(text));
        String s = text.toString();
        out.print(s.substring(s.indexOf('\n') + 1));
    }

    /** {@code a, b, c}. */
    static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : array) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(n.asText());
        }
        return b.toString();
    }

    /** Standard output and standard error as they are printed, then one answer of both. */
    private static final class Printed {
        private final StringWriter outText = new StringWriter();
        private final StringWriter errText = new StringWriter();
        final PrintWriter out = new PrintWriter(outText);
        final PrintWriter err = new PrintWriter(errText);

        AdminResponse response(int status, int exit) {
            out.flush();
            err.flush();
            byte[] stdout = outText.toString().getBytes(StandardCharsets.UTF_8);
            byte[] stderr = errText.toString().getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[stdout.length + stderr.length];
            System.arraycopy(stdout, 0, body, 0, stdout.length);
            System.arraycopy(stderr, 0, body, stdout.length, stderr.length);
            return new AdminResponse(status, CONTENT_TYPE, body, null,
                    Map.of(STDOUT_HEADER, Integer.toString(stdout.length), EXIT_HEADER, Integer.toString(exit)));
        }
    }
}
