package dev.hostel.gateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hostel.gateway.LiveSites.Change;
import dev.hostel.gateway.LiveSites.Generation;
import dev.hostel.gateway.config.ConfigError;
import dev.hostel.gateway.metrics.HostelMetrics;
import dev.hostel.gateway.releases.SiteReleases;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The endpoints of the admin API, as DESIGN.md lists them, mapped onto the {@link Controller} (changes) and
 * {@link SiteViews} (reads). Reads run on a small executor of their own (they read {@code /proc}); changes on the
 * controller's thread. Errors are {@code {"error": "...", "field": "...", "line": N}} with 400, 404, 405, 409 or
 * 507.
 *
 * <pre>
 *   GET    /status              GET /sites              GET /metrics
 *   GET    /sites/NAME          PUT /sites/NAME         DELETE /sites/NAME
 *   POST   /sites/NAME/reload   POST /reload
 *   POST   /sites/NAME/releases (streamed by {@link ReleaseUploadHandler})
 *   GET    /sites/NAME/releases POST /sites/NAME/rollback[?release=ID]
 * </pre>
 */
final class AdminApi {
    private static final Logger LOG = Logger.getLogger(AdminApi.class.getName());
    /** A site name as the site files allow it; anything else is no site. */
    static final Pattern SITE =
            Pattern.compile("/sites/([a-z0-9][a-z0-9_.-]{0,63})(/reload|/releases|/rollback(?:/(\\d{1,9}))?)?");

    private final Controller controller;
    private final SiteViews views;
    private final HostelMetrics metrics;
    private final AdminContext context;
    private final Executor readers;

    AdminApi(Controller controller, AdminContext context, Executor readers) {
        this.controller = controller;
        this.views = new SiteViews(context);
        this.metrics = context.metrics();
        this.context = context;
        this.readers = readers;
    }

    /** Answers {@code request}; never fails (failures become error responses). */
    CompletableFuture<AdminResponse> handle(AdminRequest request) {
        CompletableFuture<AdminResponse> answer;
        try {
            answer = route(request);
        } catch (AdminException e) {
            answer = CompletableFuture.completedFuture(AdminResponse.error(e));
        }
        return answer.exceptionally(AdminApi::failure).thenApply(a -> CtlOutput.render(request, a));
    }

    private CompletableFuture<AdminResponse> route(AdminRequest r) {
        String path = r.path().length() > 1 && r.path().endsWith("/")
                ? r.path().substring(0, r.path().length() - 1) : r.path();
        switch (path) {
            case "/status":
                allow(r, "GET");
                return read(() -> AdminResponse.json(200, views.status()));
            case "/sites":
                allow(r, "GET");
                return read(() -> AdminResponse.json(200, views.sites()));
            case "/metrics":
                allow(r, "GET");
                return read(() -> AdminResponse.text(200, HostelMetrics.CONTENT_TYPE, metrics.scrape()));
            case "/reload":
                allow(r, "POST");
                return controller.reloadAll("POST /reload from " + uid(r)).thenApply(AdminApi::report);
            default:
                break;
        }
        Matcher m = SITE.matcher(path);
        if (!m.matches()) {
            if (path.startsWith("/sites/") && "PUT".equals(r.method())) {
                throw new AdminException(400, "\"" + path.substring("/sites/".length())
                        + "\" is not a valid site name (lower-case letters, digits, '.', '_', '-'; at most 64)",
                        "name", ConfigError.NO_LINE);
            }
            throw new AdminException(404, "no such endpoint: " + r.method() + " " + r.path());
        }
        String name = m.group(1);
        if ("/reload".equals(m.group(2))) {
            allow(r, "POST");
            return controller.reload(name, r.who()).thenApply(c -> site(200, name));
        }
        if ("/releases".equals(m.group(2))) {
            allow(r, "GET"); // POST is streamed to ReleaseUploadHandler before it gets here
            return controller.releases(name).thenApplyAsync(AdminApi::releases, readers);
        }
        if (m.group(2) != null) {
            allow(r, "POST");
            return controller.rollback(name, Optional.ofNullable(m.group(3)), r.who()).thenApply(AdminApi::switched);
        }
        return switch (r.method()) {
            case "GET" -> read(() -> site(200, name));
            case "PUT" -> put(name, r);
            case "DELETE" -> controller.remove(name, r.who()).thenApply(c -> AdminResponse.json(200,
                    AdminResponse.MAPPER.createObjectNode().put("removed", c.name())));
            default -> throw new AdminException(405, r.method() + " is not allowed on " + path
                    + "; use GET, PUT or DELETE");
        };
    }

    private CompletableFuture<AdminResponse> put(String name, AdminRequest r) {
        boolean json;
        switch (r.contentType()) {
            case "application/json" -> json = true;
            case "application/toml", "text/toml", "text/plain", "" -> json = false;
            default -> throw new AdminException(400, "Content-Type " + r.contentType()
                    + " is not understood; send the site file as application/toml or the same keys as"
                    + " application/json");
        }
        return controller.put(name, r.body(), json, r.who())
                .thenApply(p -> site(p.change() == Change.ADDED ? 201 : 200, name));
    }

    /** {@code POST /sites/NAME/releases}, once {@link ReleaseUploadHandler} has the archive on disk. */
    CompletableFuture<AdminResponse> deploy(ReleaseUpload upload) {
        return controller.deploy(upload.site(), upload.archive(), upload.who()).thenApply(AdminApi::switched)
                .exceptionally(AdminApi::failure);
    }

    private static AdminResponse switched(ReleaseDeployer.Switched s) {
        ObjectNode node = AdminResponse.MAPPER.createObjectNode().put("site", s.site()).put("release", s.release());
        s.previous().ifPresent(p -> node.put("previous", p));
        s.warnings().ifPresent(w -> node.put("warnings", w));
        return AdminResponse.json(200, node);
    }

    private static AdminResponse releases(SiteReleases releases) {
        ObjectNode node = AdminResponse.MAPPER.createObjectNode();
        try {
            releases.current().ifPresent(c -> node.put("current", c));
            ArrayNode list = node.putArray("releases");
            for (SiteReleases.Release r : releases.list()) {
                list.addObject().put("id", r.id()).put("created", r.created().toString()).put("bytes", r.bytes())
                        .put("current", r.current());
            }
        } catch (java.io.IOException e) {
            throw new AdminException(500, "cannot read " + releases.dir() + ": " + e.getMessage());
        }
        return AdminResponse.json(200, node);
    }

    private AdminResponse site(int status, String name) {
        Generation g = context.sites().get(name);
        if (g == null) {
            throw new AdminException(404, "no site " + name);
        }
        return AdminResponse.json(status, views.detail(g));
    }

    private static AdminResponse report(ReloadReport report) {
        ObjectNode node = AdminResponse.MAPPER.createObjectNode();
        report.added().forEach(node.putArray("added")::add);
        report.changed().forEach(node.putArray("changed")::add);
        report.inPlace().forEach(node.putArray("changed_in_place")::add);
        report.removed().forEach(node.putArray("removed")::add);
        node.put("unchanged", report.unchanged());
        ArrayNode errors = node.putArray("errors");
        for (ConfigError e : report.errors()) {
            ObjectNode one = errors.addObject().put("error", AdminException.describe(e)).put("file", e.file());
            if (!e.key().isEmpty()) {
                one.put("field", e.key());
            }
            if (e.line() > 0) {
                one.put("line", e.line());
            }
        }
        node.put("summary", report.summary());
        return AdminResponse.json(200, node);
    }

    private CompletableFuture<AdminResponse> read(Supplier<AdminResponse> view) {
        return CompletableFuture.supplyAsync(view, readers);
    }

    private static void allow(AdminRequest r, String method) {
        if (!r.method().equals(method)) {
            throw new AdminException(405, r.method() + " is not allowed on " + r.path() + "; use " + method);
        }
    }

    private static String uid(AdminRequest r) {
        return r.uid() < 0 ? "an unknown user" : "uid " + r.uid();
    }

    private static AdminResponse failure(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof AdminException e) {
            return AdminResponse.error(e);
        }
        LOG.log(Level.WARNING, "admin request failed", cause);
        return AdminResponse.error(500, "internal error: " + cause);
    }
}
