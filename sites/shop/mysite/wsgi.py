"""WSGI entry point of the shop: mysite.wsgi:application.

Same module names as the blog (mysite, mysite.settings, mysite.wsgi) on purpose.

Routes:
  /          plain-text page naming the site, reading mysite.settings
  /settings  JSON: the settings module's globals, HOSTEL_SITE_ENV, process id
  /counter   increments a module-global counter and returns it (per-site state)
"""
import json
import os
import sys
import threading

from mysite import settings

_counter = 0
_counter_lock = threading.Lock()   # Jython has no GIL: "+=" is not atomic


def _settings_dict():
    return dict((k, v) for k, v in vars(settings).items() if k.isupper())


def _respond(start_response, status, body, ctype):
    start_response(status, [("Content-Type", ctype),
                            ("Content-Length", str(len(body)))])
    return [body]


def index(environ, start_response):
    body = "%s\nSite: %s, prices in %s, %d items per page.\n" % (
        settings.GREETING, settings.SITE_NAME, settings.CURRENCY,
        settings.ITEMS_PER_PAGE)
    return _respond(start_response, "200 OK", body, "text/plain; charset=utf-8")


def show_settings(environ, start_response):
    data = {
        "site": settings.SITE_NAME,
        "settings": _settings_dict(),
        "settings_file": os.path.basename(os.path.dirname(settings.__file__)) + "/settings",
        "HOSTEL_SITE_ENV": os.environ.get("HOSTEL_SITE_ENV"),
        "pid": os.getpid(),
        "settings_module_id": id(settings),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }
    body = json.dumps(data, sort_keys=True) + "\n"
    return _respond(start_response, "200 OK", body, "application/json")


def counter(environ, start_response):
    global _counter
    with _counter_lock:
        _counter += 1
        value = _counter
    body = json.dumps({"site": settings.SITE_NAME, "counter": value}) + "\n"
    return _respond(start_response, "200 OK", body, "application/json")


ROUTES = {"/": index, "/settings": show_settings, "/counter": counter}


def application(environ, start_response):
    view = ROUTES.get(environ.get("PATH_INFO") or "/")
    if view is None:
        return _respond(start_response, "404 Not Found", "Not Found\n",
                        "text/plain; charset=utf-8")
    return view(environ, start_response)
