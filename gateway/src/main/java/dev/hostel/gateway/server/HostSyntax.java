package dev.hostel.gateway.server;

/**
 * Whether a {@code Host} header or the authority of an absolute-form target is one a client may send (RFC 9112
 * section 3.2, RFC 3986 section 3.2.2), checked before the host is used to pick a site: a name of letters, digits,
 * {@code -} and {@code _} in dot-separated labels (one trailing dot allowed), or an IPv6 literal in brackets,
 * with an optional port of 1 to 5 digits. Anything else (a slash, {@code @}, a space or a comma, an empty label,
 * a bare IPv6 address, an obs-folded value, which the decoder has joined with a space) gets 400, as nginx does.
 */
final class HostSyntax {
    /** The longest host name DNS allows, plus a port. */
    private static final int MAX_LENGTH = 255 + 6;

    private HostSyntax() {
    }

    static boolean isValid(String host) {
        if (host.isEmpty() || host.length() > MAX_LENGTH) {
            return false;
        }
        int portColon;
        if (host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0 || !isIpv6(host, 1, close)) {
                return false;
            }
            if (close == host.length() - 1) {
                return true;
            }
            if (host.charAt(close + 1) != ':') {
                return false;
            }
            portColon = close + 1;
        } else {
            portColon = host.indexOf(':');
            int end = portColon < 0 ? host.length() : portColon;
            if (!isRegName(host, end)) {
                return false;
            }
            if (portColon < 0) {
                return true;
            }
        }
        return isPort(host, portColon + 1);
    }

    private static boolean isRegName(String host, int end) {
        if (end == 0) {
            return false;
        }
        boolean labelStart = true;
        for (int i = 0; i < end; i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (labelStart) {
                    return false; // an empty label: "..", or a leading dot
                }
                labelStart = true;
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                labelStart = false;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv6(String host, int from, int to) {
        if (to - from < 2) {
            return false;
        }
        boolean colon = false;
        for (int i = from; i < to; i++) {
            char c = host.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.')) {
                return false;
            }
        }
        return colon;
    }

    private static boolean isPort(String host, int from) {
        int digits = host.length() - from;
        if (digits < 1 || digits > 5) {
            return false;
        }
        for (int i = from; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(host, from, host.length(), 10) <= 65535;
    }
}
