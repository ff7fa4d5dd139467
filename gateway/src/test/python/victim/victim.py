"""The hostile site's neighbour: holds a secret in its environment and a file under its root; /remote answers the
REMOTE_ADDR it was given."""


def application(environ, start_response):
    body = environ.get("REMOTE_ADDR", "") if environ.get("PATH_INFO") == "/remote" else "victim"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
