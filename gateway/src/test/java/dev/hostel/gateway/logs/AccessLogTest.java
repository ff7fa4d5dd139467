package dev.hostel.gateway.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.gateway.server.TestRecords;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One file per site, requests without a site in _gateway.access.log, and drops counted rather than waited for. */
class AccessLogTest {
    @TempDir
    Path dir;

    @Test
    void eachSiteHasItsOwnFile() throws Exception {
        try (AccessLog log = new AccessLog(dir)) {
            log.completed(TestRecords.answered("blog", "GET", "/1", 200, 5, null, null));
            log.completed(TestRecords.answered("shop", "GET", "/2", 404, 5, null, null));
            log.completed(TestRecords.answered(null, "GET", "/3", 404, 5, null, null));
            log.completed(TestRecords.answered("blog", "POST", "/4", 500, 5, null, null));
        }
        List<String> blog = Files.readAllLines(dir.resolve("blog.access.log"));
        assertEquals(2, blog.size(), blog.toString());
        assertTrue(blog.get(0).contains("\"GET /1 HTTP/1.1\" 200 5"), blog.get(0));
        assertTrue(blog.get(1).contains("\"POST /4 HTTP/1.1\" 500 5"), blog.get(1));
        assertEquals(1, Files.readAllLines(dir.resolve("shop.access.log")).size());
        assertTrue(Files.readString(dir.resolve("_gateway.access.log")).contains("GET /3"));
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() {
        // The writer thread cannot create files under a regular file, so the records pile up in the queue.
        Path notADirectory = dir.resolve("file");
        try (AccessLog log = new AccessLog(notADirectory, ZoneOffset.UTC, 4)) {
            long start = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                log.completed(TestRecords.answered("blog", "GET", "/" + i, 200, 1, null, null));
            }
            assertTrue(System.nanoTime() - start < 2_000_000_000L, "completed() blocked");
            assertTrue(log.dropped() > 0, "nothing was dropped");
        }
    }
}
