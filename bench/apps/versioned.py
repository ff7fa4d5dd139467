"""bench/deploy's hello-sized app: answers its VERSION (changed by each release) and $DEPLOY_ENV (by each PUT)."""
import os

VERSION = "v0"


def application(environ, start_response):
    body = "%s %s" % (VERSION, os.environ.get("DEPLOY_ENV", "-"))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
