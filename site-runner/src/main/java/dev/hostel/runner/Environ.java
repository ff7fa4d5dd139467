package dev.hostel.runner;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.python.core.Py;
import org.python.core.PyDictionary;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PyTuple;

/**
 * Builds a request's WSGI {@code environ} (PEP 3333) in small named steps, as modjy does.
 *
 * <p>It is a real {@code dict} whose keys and values are byte {@code str} (never unicode: a Java
 * {@code String} would become one). The gateway in front is trusted: the client address is the last
 * entry of {@code X-Forwarded-For}, the scheme comes from {@code X-Forwarded-Proto}, the port from
 * {@code X-Forwarded-Port}, then the {@code Host} header, then the scheme's default. Headers whose
 * names contain {@code _} are dropped, as nginx and gunicorn do, because {@code X_Forwarded_For}
 * would otherwise overwrite {@code HTTP_X_FORWARDED_FOR}.
 */
final class Environ {
    private static final PyString REQUEST_METHOD = key("REQUEST_METHOD");
    private static final PyString SCRIPT_NAME = key("SCRIPT_NAME");
    private static final PyString PATH_INFO = key("PATH_INFO");
    private static final PyString QUERY_STRING = key("QUERY_STRING");
    private static final PyString REQUEST_URI = key("REQUEST_URI");
    private static final PyString SERVER_PROTOCOL = key("SERVER_PROTOCOL");
    private static final PyString SERVER_NAME = key("SERVER_NAME");
    private static final PyString SERVER_PORT = key("SERVER_PORT");
    private static final PyString REMOTE_ADDR = key("REMOTE_ADDR");
    private static final PyString CONTENT_TYPE = key("CONTENT_TYPE");
    private static final PyString CONTENT_LENGTH = key("CONTENT_LENGTH");
    private static final PyString HTTPS = key("HTTPS");
    private static final PyString WSGI_VERSION = key("wsgi.version");
    private static final PyString WSGI_URL_SCHEME = key("wsgi.url_scheme");
    private static final PyString WSGI_INPUT = key("wsgi.input");
    private static final PyString WSGI_INPUT_TERMINATED = key("wsgi.input_terminated");
    private static final PyString WSGI_ERRORS = key("wsgi.errors");
    private static final PyString WSGI_MULTITHREAD = key("wsgi.multithread");
    private static final PyString WSGI_MULTIPROCESS = key("wsgi.multiprocess");
    private static final PyString WSGI_RUN_ONCE = key("wsgi.run_once");
    private static final PyString WSGI_FILE_WRAPPER = key("wsgi.file_wrapper");
    private static final PyTuple VERSION = new PyTuple(Py.newInteger(1), Py.newInteger(0));
    private static final PyString EMPTY = Py.EmptyString;
    private static final String LOCAL_ADDR = "127.0.0.1";

    /**
     * The environ keys of the headers nearly every request carries, made once: building a key (upper-casing
     * the name into a new string, then a Python {@code str}) was a fair part of the cost of an environ.
     * Keyed by the header name as clients and the gateway spell it, and in lower case.
     */
    private static final Map<String, PyString> COMMON_HEADER_KEYS = commonHeaderKeys(
            "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset", "Connection",
            "Cookie", "Referer", "Origin", "Content-Type", "Content-Length", "Cache-Control", "Pragma",
            "Authorization", "If-None-Match", "If-Modified-Since", "Upgrade-Insecure-Requests", "DNT",
            "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port", "X-Requested-With",
            "X-Real-IP", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User", "Expect");

    /** Room for the usual 20-40 entries, so that the dict does not grow (and rehash) while it is filled. */
    private final PyDictionary environ = new PyDictionary(PyDictionary.TYPE, 64);
    private final HttpRequest request;
    private final HttpHeaders headers;

    private Environ(HttpRequest request) {
        this.request = request;
        this.headers = request.headers();
    }

    /** The environ for {@code request}, whose body the application reads from {@code input}. */
    static PyDictionary build(HttpRequest request, PyObject input, JythonApp app) {
        Environ e = new Environ(request);
        e.addRequestLine();
        String scheme = e.addScheme();
        e.addServer(scheme);
        e.addRemoteAddress();
        e.addHeaders();
        e.addWsgi(scheme, input, app);
        return e.environ;
    }

    private void addRequestLine() {
        String uri = request.uri();
        String target = uri;
        if (!uri.startsWith("/")) {
            // absolute-form (RFC 9112 3.2.2): drop scheme and authority.
            int authority = uri.indexOf("://");
            int path = authority < 0 ? -1 : uri.indexOf('/', authority + 3);
            target = path < 0 ? (authority < 0 ? uri : "/") : uri.substring(path);
        }
        int fragment = target.indexOf('#');
        if (fragment >= 0) {
            // A fragment is the client's business (RFC 9110 section 4.2.5); servers drop it.
            target = target.substring(0, fragment);
        }
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? "" : target.substring(question + 1);
        put(REQUEST_METHOD, request.method().name());
        environ.__setitem__(SCRIPT_NAME, EMPTY);
        put(PATH_INFO, percentDecode(path));
        put(QUERY_STRING, query);
        put(REQUEST_URI, uri);
        put(SERVER_PROTOCOL, request.protocolVersion().text());
    }

    private String addScheme() {
        String proto = last(all("X-Forwarded-Proto"));
        String scheme = "https".equalsIgnoreCase(proto) ? "https" : "http";
        if (scheme.equals("https")) {
            put(HTTPS, "on");
        }
        return scheme;
    }

    private void addServer(String scheme) {
        String host = headers.get(HttpHeaderNames.HOST);
        if (host == null || host.isBlank()) {
            host = first(headers.get("X-Forwarded-Host"));
        }
        if (host == null || host.isBlank()) {
            host = "localhost";
        }
        host = host.trim();
        String name = host;
        String port = null;
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            name = host.substring(0, colon);
            port = host.substring(colon + 1);
        }
        String forwardedPort = last(all("X-Forwarded-Port"));
        if (isPort(forwardedPort)) {
            port = forwardedPort;
        } else if (!isPort(port)) {
            port = scheme.equals("https") ? "443" : "80";
        }
        put(SERVER_NAME, name);
        put(SERVER_PORT, port);
    }

    private void addRemoteAddress() {
        String client = last(all("X-Forwarded-For"));
        // Over a Unix socket there is no peer address; the peer is the local gateway.
        put(REMOTE_ADDR, client == null || client.isEmpty() ? LOCAL_ADDR : client);
    }

    /**
     * CONTENT_TYPE, CONTENT_LENGTH and HTTP_*: repeated headers joined with ", ", cookies with "; ". Not
     * {@code Transfer-Encoding}: {@code wsgi.input} gives the body already decoded, and an app that saw
     * {@code HTTP_TRANSFER_ENCODING: chunked} (Bottle 0.12) would decode it a second time.
     */
    private void addHeaders() {
        Map<PyString, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey();
            if (name.indexOf('_') >= 0 || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)) {
                continue;
            }
            PyString key = COMMON_HEADER_KEYS.get(name);
            if (key == null) {
                key = key(envKey(name));
            }
            String separator = key.getString().equals("HTTP_COOKIE") ? "; " : ", ";
            values.merge(key, header.getValue(), (a, b) -> a + separator + b);
        }
        for (Map.Entry<PyString, String> value : values.entrySet()) {
            put(value.getKey(), value.getValue());
        }
    }

    private static Map<String, PyString> commonHeaderKeys(String... names) {
        Map<String, PyString> keys = new java.util.HashMap<>();
        for (String name : names) {
            PyString key = key(envKey(name));
            keys.put(name, key);
            keys.put(name.toLowerCase(java.util.Locale.ROOT), key);
        }
        return Map.copyOf(keys);
    }

    private void addWsgi(String scheme, PyObject input, JythonApp app) {
        environ.__setitem__(WSGI_VERSION, VERSION);
        put(WSGI_URL_SCHEME, scheme);
        environ.__setitem__(WSGI_INPUT, input);
        environ.__setitem__(WSGI_INPUT_TERMINATED, Py.True);
        environ.__setitem__(WSGI_ERRORS, app.errors());
        environ.__setitem__(WSGI_MULTITHREAD, Py.True);
        environ.__setitem__(WSGI_MULTIPROCESS, Py.True);
        environ.__setitem__(WSGI_RUN_ONCE, Py.False);
        environ.__setitem__(WSGI_FILE_WRAPPER, app.fileWrapper());
    }

    private void put(PyString key, String value) {
        environ.__setitem__(key, bytes(value));
    }

    /** {@code Content-Type} becomes CONTENT_TYPE, {@code X-Foo} becomes HTTP_X_FOO. */
    static String envKey(String headerName) {
        if (headerName.equalsIgnoreCase("Content-Type")) {
            return "CONTENT_TYPE";
        }
        if (headerName.equalsIgnoreCase("Content-Length")) {
            return "CONTENT_LENGTH";
        }
        StringBuilder key = new StringBuilder(5 + headerName.length()).append("HTTP_");
        for (int i = 0; i < headerName.length(); i++) {
            char c = headerName.charAt(i);
            key.append(c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char) (c - 32) : c);
        }
        return key.toString();
    }

    /** Decodes %XX escapes into bytes, shown as latin-1 characters; malformed escapes stay as they are. */
    static String percentDecode(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < path.length()
                    && (hi = Character.digit(path.charAt(i + 1), 16)) >= 0
                    && (lo = Character.digit(path.charAt(i + 2), 16)) >= 0) {
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** A byte {@code str}; text outside latin-1 (not expected from the HTTP codec) is sent as UTF-8. */
    static PyString bytes(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                return Py.newString(new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
            }
        }
        return Py.newString(value);
    }

    private static PyString key(String name) {
        return Py.newString(name);
    }

    private static boolean isPort(String port) {
        if (port == null || port.isEmpty() || port.length() > 5) {
            return false;
        }
        for (int i = 0; i < port.length(); i++) {
            if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Every value of a possibly repeated header, as one comma-separated list, or null. */
    private String all(String name) {
        List<String> values = headers.getAll(name);
        return values.isEmpty() ? null : String.join(",", values);
    }

    private static String last(String list) {
        if (list == null) {
            return null;
        }
        List<String> parts = List.of(list.split(","));
        return parts.isEmpty() ? null : parts.get(parts.size() - 1).trim();
    }

    private static String first(String list) {
        return list == null ? null : list.split(",")[0].trim();
    }
}
