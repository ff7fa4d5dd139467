package dev.hostel.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link MediaTypes#of}: the web table, case, the JDK's fallback and the default. */
class MediaTypesTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "index.html        | text/html; charset=utf-8",
            "INDEX.HTM         | text/html; charset=utf-8",
            "app.min.js        | text/javascript; charset=utf-8",
            "style.css         | text/css; charset=utf-8",
            "data.json         | application/json",
            "logo.svg          | image/svg+xml",
            "photo.JPEG        | image/jpeg",
            "font.woff2        | font/woff2",
            "module.wasm       | application/wasm",
            "readme.txt        | text/plain; charset=utf-8",
            "archive.zip       | application/zip",
            "blob              | application/octet-stream",
            "strange.qqq       | application/octet-stream",
            ".hidden           | application/octet-stream",
    })
    void contentTypeByExtension(String fileName, String type) {
        assertEquals(type, MediaTypes.of(fileName));
    }
}
