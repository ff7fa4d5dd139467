"""The spare runner end-to-end test's app: answers (and prints) its SPARE_X environment variable; /setuid tries to
become root again, as hostile site code would, and answers what happened; /warm says whether `decimal` and `json`
were loaded before its first line (by a warm spare), which it then imports, as a framework would."""
import sys
WARM = "decimal=%s json=%s" % ('decimal' in sys.modules, 'json' in sys.modules)
import decimal
import json
import os


def _try_root():
    # Jython's os has no setuid; site code could still reach the C library through jnr-posix, which Jython ships.
    from jnr.posix import POSIXFactory
    posix = POSIXFactory.getNativePOSIX()
    return "setuid(0)=%d seteuid(0)=%d setgid(0)=%d uid=%d euid=%d gid=%d egid=%d" % (
        posix.setuid(0), posix.seteuid(0), posix.setgid(0),
        posix.getuid(), posix.geteuid(), posix.getgid(), posix.getegid())


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/setuid":
        body = _try_root()
    elif environ.get("PATH_INFO") == "/warm":
        body = WARM
    else:
        value = os.environ.get("SPARE_X", "<unset>")
        print "printed by the spare test app: SPARE_X=%s" % value
        body = value.encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
