package dev.hostel.gateway.config;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A TCP address to listen on, written {@code host:port}: {@code 127.0.0.1:8080}, {@code
 * 0.0.0.0:80}, {@code localhost:8080}, or an IPv6 literal in brackets, {@code [::1]:8080}. The host
 * is kept without brackets; {@link #toString()} adds them back, so {@code
 * parse(a.toString()).equals(a)}.
 *
 * @param host an IPv4 literal, an IPv6 literal (no brackets) or a host name, lower-case
 * @param port 0 to 65535; 0 lets the system pick a free port (useful in tests)
 */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is out of range (0..65535)");
        }
    }

    /**
     * Parses {@code host:port}.
     *
     * @throws IllegalArgumentException with a message that quotes {@code text} and says what is
     *     wrong
     */
    public static ListenAddress parse(String text) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw bad(text, "write an IPv6 address as [::1]:8080");
            }
            host = t.substring(1, close).toLowerCase(Locale.ROOT);
            port = t.substring(close + 2);
            if (host.isEmpty()
                    || !host.matches("[0-9a-f:.]+(%[A-Za-z0-9_.-]+)?")
                    || !host.contains(":")) {
                throw bad(text, "not an IPv6 address between the brackets");
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text, "the port is missing (use e.g. 127.0.0.1:8080)");
            }
            host = t.substring(0, colon).toLowerCase(Locale.ROOT);
            port = t.substring(colon + 1);
            if (host.isEmpty()) {
                throw bad(text, "the host is missing (use 0.0.0.0:PORT for every interface)");
            }
            if (host.contains(":")) {
                throw bad(text, "write an IPv6 address in brackets, e.g. [::1]:8080");
            }
            if (HostNames.checkName(host) != null) {
                throw bad(text, "the host is neither an IP address nor a host name");
            }
        }
        if (!port.matches("\\d{1,5}")) {
            throw bad(text, "the port is not a number");
        }
        int p = Integer.parseInt(port);
        if (p > 65_535) {
            throw bad(text, "the port is out of range (0..65535)");
        }
        return new ListenAddress(host, p);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException(Units.quote(text) + " is not host:port: " + why);
    }

    /** Returns {@code host:port}, with the host in brackets when it is an IPv6 literal. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
