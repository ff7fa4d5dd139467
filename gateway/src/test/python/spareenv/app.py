"""The spare runner end-to-end test's app: answers (and prints) its SPARE_X environment variable."""
import os


def application(environ, start_response):
    value = os.environ.get("SPARE_X", "<unset>")
    print "printed by the spare test app: SPARE_X=%s" % value
    body = value.encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
