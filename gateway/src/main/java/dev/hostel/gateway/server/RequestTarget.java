package dev.hostel.gateway.server;

import java.util.Locale;

/**
 * The form of a request target (RFC 9112 section 3.2): origin-form ({@code /path?query}), absolute-form
 * ({@code http://authority/path}, whose authority is the host to route by, section 3.2.2), authority-form
 * ({@code host:port}, for CONNECT only) or asterisk-form ({@code *}, for OPTIONS only). Anything else, including
 * an absolute-form target of another scheme than http or https, is {@link Form#INVALID}.
 *
 * @param authority the authority of an absolute-form target, else {@code null}
 */
record RequestTarget(Form form, String authority) {
    enum Form { ORIGIN, ABSOLUTE, AUTHORITY, ASTERISK, INVALID }

    private static final RequestTarget ORIGIN = new RequestTarget(Form.ORIGIN, null);
    private static final RequestTarget INVALID = new RequestTarget(Form.INVALID, null);

    static RequestTarget of(String uri) {
        if (uri.startsWith("/")) {
            return ORIGIN;
        }
        if (uri.equals("*")) {
            return new RequestTarget(Form.ASTERISK, null);
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return uri.isEmpty() || uri.indexOf('/') >= 0 || uri.indexOf('?') >= 0
                    ? INVALID : new RequestTarget(Form.AUTHORITY, null);
        }
        String name = uri.substring(0, scheme).toLowerCase(Locale.ROOT);
        if (!name.equals("http") && !name.equals("https")) {
            return INVALID;
        }
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        return HostSyntax.isValid(authority) ? new RequestTarget(Form.ABSOLUTE, authority) : INVALID;
    }
}
