package dev.hostel.gateway.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
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
 * reads a file outside its aliased folder. {@code ..} segments and encoded slashes, backslashes or NULs are
 * refused before the file system is asked; symbolic links are followed and the real path must stay inside the
 * folder's real path.
 */
final class StaticFiles {
    /**
     * How long a lookup is reused. Resolving a path safely costs a dozen system calls (the real path, one
     * {@code lstat} per component, then the file's attributes), more than sending a small file; like nginx's
     * {@code open_file_cache_valid}, a second of staleness (a changed file keeps its old ETag that long) buys
     * them back on every hit.
     */
    static final Duration LOOKUP_TTL = Duration.ofSeconds(1);
    static final StaticFiles NONE = new StaticFiles(Map.of());

    /** What a path under an alias resolves to. */
    sealed interface Lookup permits Found, Refused, NotFound {
    }

    /**
     * A readable regular file, with its validators and type worked out once, when it was looked up: an ETag of
     * modification time and size (as nginx makes it), Last-Modified as an HTTP date, and the Content-Type.
     */
    record Found(Path file, long size, long mtimeSeconds, String etag, String lastModified, String contentType)
            implements Lookup {
        static Found of(Path file, BasicFileAttributes attrs) {
            long mtime = attrs.lastModifiedTime().toMillis() / 1000;
            return new Found(file, attrs.size(), mtime,
                    "\"" + Long.toHexString(mtime) + "-" + Long.toHexString(attrs.size()) + "\"",
                    DateFormatter.format(new Date(mtime * 1000)),
                    MediaTypes.of(file.getFileName().toString()));
        }
    }

    /** The path tries to leave its folder: 400 for a malformed path, 403 for a link pointing outside. */
    record Refused(int status) implements Lookup {
    }

    record NotFound() implements Lookup {
    }


    private final Map<String, Path> aliases;
    private final Cache<String, Lookup> lookups = Caffeine.newBuilder()
            .expireAfterWrite(LOOKUP_TTL)
            .maximumSize(10_000)
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

    /** The lookup for a raw request path (no query), or {@code null} when no alias covers it. */
    Lookup lookup(String rawPath) {
        for (Map.Entry<String, Path> alias : aliases.entrySet()) {
            if (rawPath.startsWith(alias.getKey())) {
                Path folder = alias.getValue();
                String rest = rawPath.substring(alias.getKey().length());
                return lookups.get(rawPath, key -> resolve(folder, rest));
            }
        }
        return null;
    }

    private static Lookup resolve(Path alias, String rest) {
        Path folder;
        try {
            folder = alias.toRealPath();
        } catch (IOException e) {
            return new NotFound(); // a site without a release yet
        }
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")) {
            return new Refused(400);
        }
        String decoded;
        try {
            // decodeComponent reads '+' as a space, as in a query; in a path it is a plus (RFC 3986 section 3.3).
            decoded = QueryStringDecoder.decodeComponent(rest.replace("+", "%2B"));
        } catch (IllegalArgumentException e) {
            return new Refused(400);
        }
        if (decoded.indexOf('\\') >= 0 || decoded.indexOf('\0') >= 0) {
            return new Refused(400);
        }
        Path candidate = folder;
        for (String segment : decoded.split("/")) {
            if (segment.equals("..")) {
                return new Refused(400);
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                candidate = candidate.resolve(segment);
            }
        }
        try {
            Path real = candidate.toRealPath();
            if (Files.isDirectory(real)) {
                real = real.resolve("index.html").toRealPath(); // the index may be a link too
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
