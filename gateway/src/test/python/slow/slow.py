"""Test app: takes a long time to import, like a big framework project on a busy machine. Python 2.7 (Jython)."""
import os
import time

time.sleep(float(os.environ.get("SLOW_IMPORT_SECONDS", "60")))


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return ["slow but ready\n"]
