package dev.hostel.gateway.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A site's static aliases (URL prefix -> folder) and the one rule that matters about them: no request ever
 * reads a file outside its aliased folder. Dot segments are resolved first and may not leave the alias; encoded
 * slashes, backslashes or NULs are refused before the file system is asked; symbolic links are followed and the
 * real path must stay inside the folder's real path.
 */
final class StaticFiles {
    /**
     * How long a lookup is reused. Resolving a path safely costs a dozen system calls (the real path, one
     * {@code lstat} per component, then the file's attributes), more than sending a small file; like nginx's
     * {@code open_file_cache_valid}, a second of staleness (a changed file keeps its old ETag that long) buys
     * them back on every hit.
     */
    static final Duration LOOKUP_TTL = Duration.ofSeconds(1);
    /**
     * Files up to this size are read when looked up and answered from memory, head and body in one write (one
     * packet); larger ones go by {@code sendfile}. For a 4 KB file, opening it, writing the head, {@code sendfile}
     * and closing it cost more than copying its bytes (BENCHMARKS.md, "Gateway hot path").
     */
    static final int SMALL_FILE = 16 * 1024;
    /** What the lookup cache may hold: lookups of about 200 bytes each, plus the bytes of the small files. */
    static final long CACHE_BYTES = 4L * 1024 * 1024;
    static final StaticFiles NONE = new StaticFiles(Map.of());

    /** What a path under an alias resolves to. */
    sealed interface Lookup permits Found, Refused, NotFound, Redirect {
    }

    /**
     * A readable regular file, with its validators and type worked out once, when it was looked up: an ETag of
     * modification time and size (as nginx makes it), Last-Modified as an HTTP date, and the Content-Type. A small
     * file (at most {@link #SMALL_FILE} bytes) also has its bytes, read then, and the head of its whole-file
     * response, encoded then: see {@link StaticFileResponder}.
     *
     * @param content the file's bytes, or {@code null} for a larger file (or one that changed while read)
     * @param okHead  {@code HTTP/1.1 200 OK} and its headers up to Content-Length, encoded; {@code null} with
     *                {@code content}
     */
    record Found(Path file, long size, long mtimeSeconds, String etag, String lastModified, String contentType,
                 byte[] content, byte[] okHead) implements Lookup {
        static Found of(Path file, BasicFileAttributes attrs) {
            long mtime = attrs.lastModifiedTime().toMillis() / 1000;
            String etag = "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(attrs.size()) + "\"";
            String lastModified = DateFormatter.format(new Date(mtime * 1000));
            String type = MediaTypes.of(file.getFileName().toString());
            byte[] content = attrs.size() <= SMALL_FILE ? readWhole(file, attrs.size()) : null;
            byte[] okHead = content == null ? null : ("HTTP/1.1 200 OK\r\n"
                    + HttpHeaderNames.ETAG + ": " + etag + "\r\n"
                    + HttpHeaderNames.LAST_MODIFIED + ": " + lastModified + "\r\n"
                    + HttpHeaderNames.CONTENT_TYPE + ": " + type + "\r\n"
                    + HttpHeaderNames.ACCEPT_RANGES + ": bytes\r\n"
                    + HttpHeaderNames.CONTENT_LENGTH + ": " + content.length + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            return new Found(file, attrs.size(), mtime, etag, lastModified, type, content, okHead);
        }

        /** The file's bytes when it still has {@code size} of them (it may be rewritten meanwhile), else null. */
        private static byte[] readWhole(Path file, long size) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                return bytes.length == size ? bytes : null;
            } catch (IOException | OutOfMemoryError e) {
                return null; // served from the file as a larger one is
            }
        }
    }

    /** The path tries to leave its folder: 400 for a malformed path, 403 for a link pointing outside. */
    record Refused(int status) implements Lookup {
    }

    record NotFound() implements Lookup {
    }

    /** A folder asked for without its trailing slash: 301 to {@code location}, as nginx does. */
    record Redirect(String location) implements Lookup {
    }


    private final Map<String, Path> aliases;
    private final Cache<String, Lookup> lookups = Caffeine.newBuilder()
            .expireAfterWrite(LOOKUP_TTL)
            .maximumWeight(CACHE_BYTES)
            .weigher((String path, Lookup lookup) -> 200 + path.length()
                    + (lookup instanceof Found found && found.content() != null ? found.content().length : 0))
            .build();

    private StaticFiles(Map<String, Path> aliases) {
        this.aliases = aliases;
    }

    /**
     * @param aliases URL prefix (starting and ending with "/") -> folder, longest prefix first. A folder may be
     *                reached through a link that moves (a site's {@code current} release): it is resolved at
     *                each lookup, so that a switch is seen within {@link #LOOKUP_TTL}.
     */
    static StaticFiles of(Map<String, Path> aliases) {
        return aliases.isEmpty() ? NONE : new StaticFiles(new LinkedHashMap<>(aliases));
    }

    boolean isEmpty() {
        return aliases.isEmpty();
    }

    /**
     * The lookup for a raw request path (no query), or {@code null} when no alias covers it. The path is
     * percent-decoded and its dot segments removed (RFC 3986 section 5.2.4) before the aliases are matched, as
     * nginx normalizes a URI before choosing a location: {@code /static/sub/../a.txt} is {@code /static/a.txt}.
     * A path under an alias whose dot segments would leave the alias (or the root) is refused with 400.
     */
    Lookup lookup(String rawPath) {
        if (isNormal(rawPath)) {
            return lookupNormal(rawPath, rawPath);
        }
        Lookup cached = lookups.getIfPresent(rawPath);
        if (cached != null) {
            return cached;
        }
        Lookup refused = refusal(rawPath);
        if (refused != null) {
            return underAlias(rawPath) ? refused : null;
        }
        String normal = removeDotSegments(decode(rawPath));
        if (normal == null || !underAlias(normal)) {
            return underAlias(rawPath) ? new Refused(400) : null;
        }
        return lookupNormal(rawPath, normal);
    }

    /** @param path {@code rawPath} decoded, without dot segments */
    private Lookup lookupNormal(String rawPath, String path) {
        for (Map.Entry<String, Path> alias : aliases.entrySet()) {
            if (path.startsWith(alias.getKey())) {
                Path folder = alias.getValue();
                String rest = path.substring(alias.getKey().length());
                return lookups.get(rawPath, key -> resolve(folder, rawPath, rest));
            }
        }
        return null;
    }

    private boolean underAlias(String path) {
        for (String prefix : aliases.keySet()) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether decoding and removing dot segments would leave {@code path} as it is (the common case). */
    private static boolean isNormal(String path) {
        return path.indexOf('%') < 0 && !path.contains("/.") && path.indexOf('\\') < 0;
    }

    /** A path that is refused whatever it decodes to: encoded slashes, backslashes or NULs, bad escapes. */
    private static Lookup refusal(String rawPath) {
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")) {
            return new Refused(400);
        }
        String decoded = decode(rawPath);
        if (decoded == null || decoded.indexOf('\\') >= 0 || decoded.indexOf('\0') >= 0) {
            return new Refused(400);
        }
        return null;
    }

    private static String decode(String rawPath) {
        try {
            // decodeComponent reads '+' as a space, as in a query; in a path it is a plus (RFC 3986 section 3.3).
            return QueryStringDecoder.decodeComponent(rawPath.replace("+", "%2B"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** RFC 3986 section 5.2.4 on a path starting with "/"; {@code null} when ".." would climb above the root. */
    static String removeDotSegments(String path) {
        String[] segments = path.split("/", -1);
        java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (segment.equals("..")) {
                if (out.isEmpty()) {
                    return null;
                }
                out.removeLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(segment);
            }
        }
        return "/" + String.join("/", out);
    }

    /** @param rest the decoded path under the alias, without dot segments */
    private static Lookup resolve(Path alias, String rawPath, String rest) {
        Path folder;
        try {
            folder = alias.toRealPath();
        } catch (IOException e) {
            return new NotFound(); // a site without a release yet
        }
        if (rest.indexOf('\\') >= 0 || rest.indexOf('\0') >= 0) {
            return new Refused(400);
        }
        Path candidate = folder;
        for (String segment : rest.split("/")) {
            if (segment.equals("..")) {
                return new Refused(400);
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                candidate = candidate.resolve(segment);
            }
        }
        boolean slash = rest.isEmpty() || rest.endsWith("/");
        try {
            Path real = candidate.toRealPath();
            if (Files.isDirectory(real)) {
                if (!slash) {
                    return new Redirect(rawPath + "/");
                }
                real = real.resolve("index.html").toRealPath(); // the index may be a link too
            } else if (slash) {
                return new NotFound(); // a file is not a folder: "a.txt/" names nothing
            }
            if (!real.startsWith(folder)) {
                return new Refused(403);
            }
            // Only regular files: opening a FIFO or a device would block the event loop.
            BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
            return attrs.isRegularFile() && Files.isReadable(real)
                    ? Found.of(real, attrs) : new NotFound();
        } catch (IOException e) {
            return new NotFound();
        }
    }
}
