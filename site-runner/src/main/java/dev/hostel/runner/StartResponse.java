package dev.hostel.runner;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Locale;
import java.util.Set;
import org.python.core.ArgParser;
import org.python.core.Py;
import org.python.core.PyException;
import org.python.core.PyList;
import org.python.core.PyObject;
import org.python.core.PyString;
import org.python.core.PyTraceback;
import org.python.core.PyTuple;
import org.python.core.PyUnicode;

/**
 * The {@code start_response(status, response_headers, exc_info=None)} callable of PEP 3333.
 *
 * <p>It validates where the values enter, so that the application sees the error: the status must
 * be a byte str {@code "NNN Reason"} with a final status code, headers a list of
 * {@code (name, value)} byte str pairs, names HTTP tokens, values free of control characters (CR, LF,
 * NUL, ...; a horizontal tab is allowed). Leading and trailing spaces and tabs of a value are not part of
 * it (RFC 9110 section 5.5) and are stripped, as wsgiref, gunicorn and mod_wsgi accept them: Django 1.11
 * sends every {@code Set-Cookie} value with a leading space. Hop-by-hop
 * headers are dropped: framing and connection management belong to the server. Calling it again
 * without {@code exc_info} is an error; with {@code exc_info} after the head was sent, it re-raises
 * that exception. It returns the {@code write(data)} callable.
 */
final class StartResponse extends PyObject {
    private static final long serialVersionUID = 1L;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "trailers", "transfer-encoding", "upgrade");
    private static final String[] PARAMETERS = {"status", "response_headers", "exc_info"};

    private final transient ResponseWriter writer;
    private final Write write;

    StartResponse(ResponseWriter writer) {
        this.writer = writer;
        this.write = new Write(writer);
    }

    @Override
    public PyObject __call__(PyObject[] args, String[] keywords) {
        ArgParser parser = new ArgParser("start_response", args, keywords, PARAMETERS, 2);
        PyObject excInfo = parser.getPyObject(2, Py.None);
        if (excInfo != Py.None) {
            if (writer.headersSent()) {
                throw reraise(excInfo);
            }
        } else if (writer.hasHead()) {
            throw Py.AssertionError("start_response() called a second time without exc_info");
        }
        HttpResponseStatus status = status(parser.getPyObject(0));
        HttpHeaders headers = new DefaultHttpHeaders();
        long contentLength = headers(parser.getPyObject(1), headers);
        writer.setHead(status, headers, contentLength);
        return write;
    }

    private static PyException reraise(PyObject excInfo) {
        if (!(excInfo instanceof PyTuple) || excInfo.__len__() != 3) {
            return Py.TypeError("exc_info must be a (type, value, traceback) tuple");
        }
        PyObject traceback = excInfo.__getitem__(2);
        return new PyException(excInfo.__getitem__(0), excInfo.__getitem__(1),
                traceback instanceof PyTraceback ? (PyTraceback) traceback : null);
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Parses {@code "200 OK"}. */
    static HttpResponseStatus status(PyObject value) {
        String status = string(value, "status");
        if (status.length() < 3 || (status.length() > 3 && status.charAt(3) != ' ')
                || !isAsciiDigit(status.charAt(0)) || !isAsciiDigit(status.charAt(1))
                || !isAsciiDigit(status.charAt(2))) {
            throw Py.ValueError("status must look like '200 OK', got " + value.__repr__());
        }
        int code = Integer.parseInt(status.substring(0, 3));
        if (code < 200 || code > 599) {
            // RFC 9110 section 15: three digits, 1xx to 5xx; 1xx is never a final status
            throw Py.ValueError("status must be a final status from 200 to 599, got " + value.__repr__());
        }
        String reason = status.length() > 4 ? status.substring(4) : "";
        checkText(reason, "status", value);
        return new HttpResponseStatus(code, reason);
    }

    /**
     * Validates {@code response_headers} into {@code out}.
     *
     * @return the Content-Length the application gave, or -1
     */
    static long headers(PyObject list, HttpHeaders out) {
        if (!(list instanceof PyList) && !(list instanceof PyTuple)) {
            throw Py.TypeError("response_headers must be a list of (name, value) tuples, not "
                    + list.getType().fastGetName());
        }
        long contentLength = -1;
        for (PyObject item : list.asIterable()) {
            if (!(item instanceof PyTuple) && !(item instanceof PyList) || item.__len__() != 2) {
                throw Py.TypeError("each response header must be a (name, value) tuple, got " + item.__repr__());
            }
            String name = string(item.__getitem__(0), "header name");
            String value = withoutOuterWhitespace(string(item.__getitem__(1), "header value"));
            checkToken(name, item);
            checkFieldValue(value, item);
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower)) {
                continue;
            }
            if (lower.equals("content-length")) {
                long length = contentLength(value, item);
                if (contentLength >= 0 && contentLength != length) {
                    throw Py.ValueError("conflicting Content-Length headers: " + list.__repr__());
                }
                if (contentLength >= 0) {
                    continue;
                }
                contentLength = length;
            }
            out.add(name, value);
        }
        return contentLength;
    }

    private static String string(PyObject value, String what) {
        if (!(value instanceof PyString) || value instanceof PyUnicode) {
            throw Py.TypeError(what + " must be a byte str, not " + value.getType().fastGetName()
                    + ": " + value.__repr__());
        }
        return ((PyString) value).getString();
    }

    private static void checkToken(String name, PyObject item) {
        if (name.isEmpty()) {
            throw Py.ValueError("empty header name: " + item.__repr__());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!token) {
                throw Py.ValueError("invalid character in header name: " + item.__repr__());
            }
        }
    }

    /** Strips the optional whitespace (SP, HTAB) around a field value, RFC 9110 section 5.5. */
    static String withoutOuterWhitespace(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isBlank(value.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Any control character but HTAB (field-vchar and obs-text are allowed, RFC 9110 section 5.5). */
    private static void checkFieldValue(String value, PyObject item) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' && c != '\t' || c == 0x7F) {
                throw Py.ValueError((c == '\r' || c == '\n' || c == 0 ? "CR, LF or NUL" : "a control character")
                        + " in the value of response header " + item.__getitem__(0).__repr__() + ": " + item.__repr__());
            }
        }
    }

    private static void checkText(String text, String what, PyObject context) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw Py.ValueError("CR, LF or NUL in " + what + ": " + context.__repr__());
            }
        }
    }

    private static long contentLength(String value, PyObject item) {
        String digits = value.trim();
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
            throw Py.ValueError("invalid Content-Length: " + item.__repr__());
        }
        return Long.parseLong(digits);
    }

    /** The {@code write(data)} callable that {@code start_response} returns. */
    private static final class Write extends PyObject {
        private static final long serialVersionUID = 1L;
        private final transient ResponseWriter writer;

        Write(ResponseWriter writer) {
            this.writer = writer;
        }

        @Override
        public PyObject __call__(PyObject[] args, String[] keywords) {
            PyObject data = new ArgParser("write", args, keywords, "data").getPyObject(0);
            if (!writer.write(data) && writer.clientGone()) {
                throw Py.IOError("the client disconnected");
            }
            return Py.None;
        }
    }
}
