# gunicorn settings for scripts/bench (CPython 3, Debian's gunicorn 20.1).
# The benchmark starts ONE gunicorn and binds it twice: a Unix socket that
# nginx proxies to ("nginx + gunicorn") and a TCP port hit directly
# ("gunicorn direct"). The addresses come from the environment.
import os

bind = [
    "unix:" + os.environ["BENCH_GUNICORN_SOCK"],
    "127.0.0.1:" + os.environ["BENCH_GUNICORN_PORT"],
]
workers = 2                 # 2 cores: the usual 2 sync workers
worker_class = "sync"       # sync workers close the connection after each response
chdir = os.environ["BENCH_APPS"]
wsgi_app = "hello3:application"
pidfile = os.environ["BENCH_GUNICORN_PID"]
accesslog = None            # no access log (nginx and uWSGI have theirs off too)
loglevel = "warning"
errorlog = "-"
