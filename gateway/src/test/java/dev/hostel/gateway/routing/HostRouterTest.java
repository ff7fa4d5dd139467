package dev.hostel.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostRouterTest {

    record Site(String name, List<String> hosts, boolean isDefault) {}

    static final List<Site> SITES =
            List.of(
                    new Site(
                            "blog",
                            List.of(
                                    "blog.example.com",
                                    "www.blog.example.com",
                                    "*.blog.example.com"),
                            false),
                    new Site("wild", List.of("*.example.com"), false),
                    new Site("deep", List.of("*.c.b.example.com"), false),
                    new Site("apex", List.of("example.com", "Example.ORG"), false),
                    new Site("ip", List.of("127.0.0.1"), false),
                    new Site("fallback", List.of("fallback.test"), true));

    static final HostRouter<Site> ROUTER = HostRouter.of(SITES, Site::hosts, Site::isDefault);
    static final HostRouter<Site> NO_DEFAULT =
            HostRouter.of(
                    SITES.stream().filter(s -> !s.isDefault()).toList(),
                    Site::hosts,
                    Site::isDefault);

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                // Host header                | site with a default | without
                "blog.example.com             | blog      | blog", // exact
                "www.blog.example.com         | blog      | blog", // alias
                "Blog.Example.COM             | blog      | blog", // case
                "blog.example.com:8080        | blog      | blog", // port
                "blog.example.com.            | blog      | blog", // trailing dot
                "BLOG.example.com.:443        | blog      | blog", // all of it
                "`  blog.example.com  `       | blog      | blog", // whitespace
                "x.blog.example.com           | blog      | blog", // wildcard of blog, longer than
                                                                   // *.example.com
                "x.y.blog.example.com         | blog      | blog",
                "a.example.com                | wild      | wild", // wildcard
                "a.b.example.com              | wild      | wild", // wildcard, deeper
                "b.example.com                | wild      | wild",
                "c.b.example.com              | wild      | wild", // *.c.b.example.com does not
                                                                   // match c.b.example.com itself
                "d.c.b.example.com            | deep      | deep", // longest suffix wins
                "e.d.c.b.example.com          | deep      | deep",
                "example.com                  | apex      | apex", // *.example.com does not match
                                                                   // the apex
                "example.org                  | apex      | apex",
                "www.example.org              | fallback  | ", // no wildcard for example.org
                "127.0.0.1:8080               | ip        | ip",
                "fallback.test                | fallback  | ",
                "unknown.test                 | fallback  | ", // unknown
                "com                          | fallback  | ",
                "example.com.evil.test        | fallback  | ",
                "xexample.com                 | fallback  | ", // a suffix, but not at a label
                                                               // boundary
                "[::1]:8080                   | fallback  | ", // IPv6
                "[::1]                        | fallback  | ",
                "``                           | fallback  | ", // empty
                ":8080                        | fallback  | ",
                ".                            | fallback  | ",
            })
    void routes(String host, String expected, String expectedWithoutDefault) {
        assertEquals(expected, name(ROUTER.route(host)), host);
        assertEquals(expectedWithoutDefault, name(NO_DEFAULT.route(host)), host);
    }

    static String name(Site s) {
        return s == null ? null : s.name();
    }

    @Test
    void nullHostGetsTheDefault() {
        assertEquals("fallback", ROUTER.route(null).name());
        assertNull(NO_DEFAULT.route(null));
        assertNull(HostRouter.empty().route("a.com"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "Blog.Example.com:8080 | blog.example.com",
                "[::1]:8080            | [::1]",
                "[::1]                 | [::1]",
                "[FE80::1]:80          | [fe80::1]",
                "::1                   | ::1",
                "example.com.          | example.com",
                "example.com.:80       | example.com",
                "``                    | ``",
            })
    void normalizes(String host, String expected) {
        assertEquals(expected, HostRouter.normalize(host));
    }

    @Test
    void anIpv6HostCanBeRouted() {
        HostRouter<String> r = HostRouter.<String>builder().add("[::1]", "v6").build();
        assertEquals("v6", r.route("[::1]:8080"));
        assertEquals("v6", r.route("[::1]"));
    }

    @Test
    void builderRejectsDuplicatesAndBadPatterns() {
        HostRouter.Builder<String> b =
                HostRouter.<String>builder().add("a.com", "a").add("*.a.com", "a");
        assertThrows(IllegalArgumentException.class, () -> b.add("A.com.", "b"));
        assertThrows(IllegalArgumentException.class, () -> b.add("*.a.com", "b"));
        assertThrows(IllegalArgumentException.class, () -> b.add("*", "b"));
        assertThrows(IllegalArgumentException.class, () -> b.add("a.*.com", "b"));
        assertThrows(IllegalArgumentException.class, () -> b.add("", "b"));
        b.defaultTarget("a");
        assertThrows(IllegalArgumentException.class, () -> b.defaultTarget("b"));
        HostRouter<String> r = b.build();
        assertEquals(2, r.size());
        assertEquals("a", r.defaultTarget());
    }

    @Test
    void tenThousandSites() {
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            sites.add(
                    new Site(
                            "s" + i,
                            List.of(
                                    "site" + i + ".example.net",
                                    "www.site" + i + ".example.net",
                                    "*.site" + i + ".example.net"),
                            i == 5_000));
        }
        sites.add(new Site("net", List.of("*.example.net"), false));
        HostRouter<Site> router = HostRouter.of(sites, Site::hosts, Site::isDefault);
        assertEquals(30_001, router.size());
        for (int i = 0; i < 10_000; i++) {
            String name = "s" + i;
            assertEquals(name, router.route("site" + i + ".example.net").name());
            assertEquals(name, router.route("WWW.site" + i + ".example.net:80").name());
            assertEquals(name, router.route("a.b.site" + i + ".example.net").name());
        }
        assertEquals("net", router.route("site10000.example.net").name());
        assertEquals("s5000", router.route("other.test").name());
        // A million lookups take a fraction of a second as hash lookups; a scan over the 10,000 sites would take
        // hours. The bound is that far from both so that a busy machine cannot fail it.
        Map<Integer, String> hosts =
                Map.of(0, "x.y.site9999.example.net", 1, "site42.example.net", 2, "nope.test");
        assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> {
                    for (int i = 0; i < 1_000_000; i++) {
                        router.route(hosts.get(i % 3));
                    }
                });
    }

    @Test
    void routesSwapAtomically() {
        Routes<String> routes = new Routes<>();
        assertNull(routes.route("a.com"));
        HostRouter<String> first = HostRouter.<String>builder().add("a.com", "a").build();
        HostRouter<String> second =
                HostRouter.<String>builder().add("b.com", "b").defaultTarget("b").build();
        routes.swap(first);
        assertEquals("a", routes.route("a.com"));
        assertSame(first, routes.swap(second));
        assertSame(second, routes.current());
        assertEquals("b", routes.route("a.com"));
        assertEquals("b", routes.route("b.com"));
    }
}
