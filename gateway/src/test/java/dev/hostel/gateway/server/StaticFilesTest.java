package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link StaticFiles#lookup}: which alias covers a path, what a path under it resolves to, and every way of
 * leaving the folder refused before or after the file system is asked (400 for malformed paths, 403 for links).
 */
class StaticFilesTest {
    @TempDir
    static Path dir;
    private static StaticFiles statics;

    @BeforeAll
    static void folders() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path assets = Files.createDirectories(root.resolve("assets"));
        Path images = Files.createDirectories(root.resolve("images"));
        Files.writeString(assets.resolve("app.js"), "js");
        Files.writeString(assets.resolve("a+b.txt"), "plus");
        Files.writeString(assets.resolve("with space.txt"), "space");
        Files.writeString(Files.createDirectories(assets.resolve("docs")).resolve("index.html"), "docs");
        Files.createDirectories(assets.resolve("no-index"));
        Files.createDirectories(assets.resolve("index-is-a-dir").resolve("index.html"));
        Files.writeString(images.resolve("logo.png"), "png");
        Files.writeString(root.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(assets.resolve("out"), root.resolve("secret.txt"));
        Files.createSymbolicLink(assets.resolve("out-dir"), root);
        Files.createSymbolicLink(assets.resolve("in"), assets.resolve("app.js"));
        Files.createSymbolicLink(assets.resolve("dangling"), assets.resolve("nothing-here"));
        Files.createSymbolicLink(Files.createDirectories(assets.resolve("leaky")).resolve("index.html"),
                root.resolve("secret.txt"));
        // The aliased folder itself may be a link: it is resolved once, and its real path is the fence.
        Path linkedFolder = Files.createSymbolicLink(root.resolve("linked"), images);
        Map<String, Path> aliases = new LinkedHashMap<>(); // longest prefix first, as SiteConfig orders them
        aliases.put("/static/img/", linkedFolder);
        aliases.put("/static/", assets);
        statics = StaticFiles.of(aliases);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // raw path                          | expected: file under root, 301, 400, 403, 404 or NONE (no alias)
            "/static/app.js                      | assets/app.js",
            "/static/./app.js                    | assets/app.js",
            "/static//app.js                     | assets/app.js",
            "/static/%61pp.js                    | assets/app.js",
            "/static/a+b.txt                     | assets/a+b.txt",
            "/static/a%2Bb.txt                   | assets/a+b.txt",
            "/static/with%20space.txt            | assets/with space.txt",
            "/static/in                          | assets/app.js",
            "/static/docs                        | 301",
            "/static/app.js/                     | 404",
            "/static/docs/./                     | assets/docs/index.html",
            "/static/docs/                       | assets/docs/index.html",
            "/static/img/logo.png                | images/logo.png",
            "/static/img/../app.js               | assets/app.js",  // dot segments first, then the alias
            "/static/docs/../app.js              | assets/app.js",
            "/static/docs/%2e%2e/app.js          | assets/app.js",
            "/static/../static/app.js            | assets/app.js",
            "/static/../secret.txt               | 400",           // leaves every alias
            "/static/docs/../../secret.txt       | 400",
            "/static/../../secret.txt            | 400",           // above the root
            "/static/..                          | 400",
            "/static/%2e%2e/secret.txt           | 400",
            "/static/.%2E/secret.txt             | 400",
            "/static/docs%2f..%2f..%2fsecret.txt | 400",
            "/static/docs%2F..%2F..%2Fsecret.txt | 400",
            "/static/..%5csecret.txt             | 400",
            "/static/..\\secret.txt              | 400",
            "/static/app.js%00.png               | 400",
            "/static/%                           | 400",
            "/static/%zz                         | 400",
            "/static/out                         | 403",
            "/static/out-dir/secret.txt          | 403",
            "/static/leaky/                      | 403",
            "/static/missing.js                  | 404",
            "/static/dangling                    | 404",
            "/static/no-index/                   | 404",
            "/static/index-is-a-dir/             | 404",
            "/static/app.js/x                    | 404",
            "/static                             | NONE",
            "/staticfile                         | NONE",
            "/app                                | NONE",
            "/app/../static/app.js               | assets/app.js",
            "/app/../x                           | NONE",
            "/../x                               | NONE",          // above the root, but not static: the app's
            "/                                   | NONE",
    })
    void lookup(String rawPath, String expected) throws Exception {
        StaticFiles.Lookup lookup = statics.lookup(rawPath);
        switch (expected) {
            case "NONE" -> assertNull(lookup);
            case "400", "403" -> assertEquals(new StaticFiles.Refused(Integer.parseInt(expected)), lookup);
            case "404" -> assertEquals(new StaticFiles.NotFound(), lookup);
            case "301" -> assertEquals(new StaticFiles.Redirect(rawPath + "/"), lookup);
            default -> assertEquals(dir.resolve("root").resolve(expected).toRealPath(),
                    ((StaticFiles.Found) lookup).file());
        }
    }

    @Test
    void noAliasesIsNone() {
        assertSame(StaticFiles.NONE, StaticFiles.of(Map.of()));
        assertTrue(StaticFiles.NONE.isEmpty());
        assertNull(StaticFiles.NONE.lookup("/static/app.js"));
    }

    @Test
    void aFolderThatDoesNotExistYetIsNotFoundUntilItDoes() throws Exception {
        // A site whose code comes by release has no static folder before its first release.
        Path later = dir.resolve("later");
        StaticFiles files = StaticFiles.of(Map.of("/static/", later));
        assertInstanceOf(StaticFiles.NotFound.class, files.lookup("/static/a.txt"));
        Files.createDirectories(later);
        Files.writeString(later.resolve("b.txt"), "b");
        assertInstanceOf(StaticFiles.Found.class, files.lookup("/static/b.txt"));
    }
}
