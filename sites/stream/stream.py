"""A WSGI app that streams its response from a generator, without Content-Length
(so the server sends it chunked on HTTP/1.1, or until close on HTTP/1.0).

Routes:
  /                     a short description
  /stream?n=5&delay=0   n lines (1..100000), optional sleep between chunks (0..2 s)
"""
import time
import urlparse

MAX_LINES = 100000
MAX_DELAY = 2.0


def _param(qs, name, default, conv, lo, hi):
    try:
        value = conv(qs.get(name, [default])[0])
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, value))


def _lines(n, delay):
    for i in range(1, n + 1):
        if delay and i > 1:
            time.sleep(delay)
        yield "line %d of %d\n" % (i, n)


def application(environ, start_response):
    path = environ.get("PATH_INFO") or "/"
    if path == "/":
        body = "stream site: try /stream?n=5&delay=0.05\n"
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    if path == "/stream":
        qs = urlparse.parse_qs(environ.get("QUERY_STRING", ""))
        n = _param(qs, "n", 5, int, 1, MAX_LINES)
        delay = _param(qs, "delay", 0.0, float, 0.0, MAX_DELAY)
        # No Content-Length: the length is not known up front.
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                                  ("Cache-Control", "no-cache")])
        return _lines(n, delay)
    body = "Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                     ("Content-Length", str(len(body)))])
    return [body]
