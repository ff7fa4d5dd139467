"""Test app: large responses, for slow clients. Python 2.7 (Jython).

  /big?mb=N   N megabytes (1..64) of 'x', in 64 KB pieces, with Content-Length
  /           a short answer
"""
CHUNK = "x" * 65536


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/big":
        try:
            mb = max(1, min(64, int(environ.get("QUERY_STRING", "mb=1").split("=")[-1])))
        except ValueError:
            mb = 1
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(mb * 1024 * 1024))])
        return (CHUNK for _ in xrange(mb * 16))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return ["ok\n"]
