"""Test app for the gateway's front door. Python 2.7 (Jython).

  /big?mb=N   N megabytes (1..64) of 'x', in 64 KB pieces, with Content-Length
  /count      reads the request body to its end: "read N of CONTENT_LENGTH"
  /maxread    the most body bytes any request has read so far
  /           a short answer
"""
CHUNK = "x" * 65536
most_read = [0]


def _text(start_response, body, status="200 OK"):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _count(environ, start_response):
    total = 0
    stream = environ["wsgi.input"]
    try:
        while True:
            block = stream.read(8192)
            if not block:
                break
            total += len(block)
            most_read[0] = max(most_read[0], total)
    except IOError as e:
        return _text(start_response, "read %d, then %s\n" % (total, e), "400 Bad Request")
    return _text(start_response, "read %d of %s\n" % (total, environ.get("CONTENT_LENGTH") or "-"))


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/big":
        try:
            mb = max(1, min(64, int(environ.get("QUERY_STRING", "mb=1").split("=")[-1])))
        except ValueError:
            mb = 1
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(mb * 1024 * 1024))])
        return (CHUNK for _ in xrange(mb * 16))
    if path == "/count":
        return _count(environ, start_response)
    if path == "/maxread":
        return _text(start_response, "%d\n" % most_read[0])
    return _text(start_response, "ok\n")
