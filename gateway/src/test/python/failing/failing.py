"""Test app: every way a WSGI app can go wrong, and what it is given. Python 2.7 (Jython)."""


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/raise":
        raise ValueError("secret-detail-that-must-not-leak")
    if path == "/bad-header":
        start_response("200 OK", [("X-Evil", "a\r\nSet-Cookie: stolen=1")])
        return ["never"]
    if path == "/nul-header":
        start_response("200 OK", [("X-Nul", "a\x00b")])
        return ["never"]
    if path == "/padded-cookie":
        # What Django 1.11 sends: Cookie.SimpleCookie's output(header='') starts with a space.
        start_response("200 OK", [("Content-Type", "text/plain"), ("Set-Cookie", " a=1; Path=/\t")])
        return ["cookie\n"]
    if path.startswith("/target/"):
        body = "%s\n%s\n" % (path, environ.get("QUERY_STRING"))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [body]
    if path == "/raise-late":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _late()
    if path == "/sleep":
        import time
        time.sleep(float(environ.get("QUERY_STRING") or "5"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ["woke up\n"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return ["ok\n"]


def _late():
    yield "first part\n"
    raise RuntimeError("failed after the headers were sent")
