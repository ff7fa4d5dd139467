package dev.hostel.gateway.config;

import java.util.Locale;

/** Checks the host patterns of a site: DNS names and {@code *.suffix} wildcards. */
final class HostNames {

    private HostNames() {}

    /** Lower-cases a host pattern and drops one trailing dot. */
    static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(".") && h.length() > 1 ? h.substring(0, h.length() - 1) : h;
    }

    /**
     * Returns what is wrong with a normalized host pattern, or null when it is a valid DNS name or
     * a {@code *.suffix} wildcard.
     */
    static String checkPattern(String host) {
        if (host.isEmpty()) {
            return "an empty host";
        }
        if (host.indexOf(':') >= 0 || host.startsWith("[")) {
            return host.startsWith("[") || host.indexOf(':') != host.lastIndexOf(':')
                    ? "IP v6 literals are not supported as site hosts"
                    : "a host has no port (the ports are the listeners in hostel.toml)";
        }
        if (host.equals("*")) {
            return "\"*\" is not a host; set default = true for the site that gets every other"
                       + " host";
        }
        if (host.startsWith("*.")) {
            String suffix = host.substring(2);
            if (suffix.indexOf('*') >= 0) {
                return "a wildcard is only allowed as the first label, e.g. *.example.com";
            }
            return checkName(suffix);
        }
        if (host.indexOf('*') >= 0) {
            return "a wildcard is only allowed as the first label, e.g. *.example.com";
        }
        return checkName(host);
    }

    /** Returns what is wrong with a lower-case DNS name (letters, digits, hyphens), or null. */
    static String checkName(String name) {
        if (name.length() > 253) {
            return "longer than 253 characters";
        }
        int start = 0;
        while (true) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            if (end == start) {
                return "an empty label (two dots in a row, or a leading dot)";
            }
            if (end - start > 63) {
                return "a label longer than 63 characters";
            }
            for (int i = start; i < end; i++) {
                char c = name.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                if (!ok) {
                    return "the character '"
                            + c
                            + "' is not allowed in a host name (letters, digits, '-', '.')";
                }
            }
            if (name.charAt(start) == '-' || name.charAt(end - 1) == '-') {
                return "a label starts or ends with '-'";
            }
            if (dot < 0) {
                return null;
            }
            start = dot + 1;
        }
    }
}
