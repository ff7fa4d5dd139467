"""A WSGI app that reads request bodies, always in blocks, never whole by default.

Routes:
  /         an HTML form posting to /form
  /echo     echoes the body back, streamed in 64 KB blocks; Content-Length is
            copied from the request's CONTENT_LENGTH when there is one. It
            answers while still reading, so it needs a front end that streams
            both ways at once (Hostel's gateway does; nginx sends the whole
            request body first and deadlocks on large bodies)
  /digest   {"length": N, "sha256": "..."} of the body; works without
            CONTENT_LENGTH (chunked request body): reads until ''
  /form     parses a form (query string, urlencoded or multipart body) and
            returns its fields as JSON
"""
import cgi
import hashlib
import json
import urlparse
from StringIO import StringIO

BLOCK = 64 * 1024
MAX_FORM = 1024 * 1024      # a form body larger than this gets 413


def _content_length(environ):
    """The request's CONTENT_LENGTH as an int, or None when absent/empty."""
    value = environ.get("CONTENT_LENGTH", "")
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n >= 0 else None


def _blocks(environ):
    """Yield the request body in blocks of at most BLOCK bytes."""
    stream = environ["wsgi.input"]
    remaining = _content_length(environ)
    while remaining is None or remaining > 0:
        size = BLOCK if remaining is None else min(BLOCK, remaining)
        block = stream.read(size)
        if not block:
            break
        if remaining is not None:
            remaining -= len(block)
        yield block


def _reply(start_response, status, body, ctype="text/plain; charset=utf-8"):
    start_response(status, [("Content-Type", ctype),
                            ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response, status, data):
    return _reply(start_response, status, json.dumps(data, sort_keys=True) + "\n",
                  "application/json")


INDEX = """<!DOCTYPE html>
<html><head><title>upload</title></head><body>
<h1>upload site</h1>
<form method="post" action="/form">
<p><input name="name" value="Ada"> <input name="lang" value="python"></p>
<p><textarea name="comment">hello</textarea></p>
<p><button>send</button></p>
</form>
<p>POST anything to /echo or /digest.</p>
</body></html>
"""


def index(environ, start_response):
    return _reply(start_response, "200 OK", INDEX, "text/html; charset=utf-8")


def echo(environ, start_response):
    headers = [("Content-Type",
                environ.get("CONTENT_TYPE") or "application/octet-stream")]
    length = _content_length(environ)
    if length is not None:
        headers.append(("Content-Length", str(length)))
    start_response("200 OK", headers)
    return _blocks(environ)


def digest(environ, start_response):
    h = hashlib.sha256()
    n = 0
    for block in _blocks(environ):
        h.update(block)
        n += len(block)
    return _json(start_response, "200 OK", {"length": n, "sha256": h.hexdigest()})


def form(environ, start_response):
    fields = {}
    for k, v in urlparse.parse_qsl(environ.get("QUERY_STRING", ""), True):
        fields.setdefault(k, []).append(v)
    if environ.get("REQUEST_METHOD") == "POST":
        length = _content_length(environ)
        if length is not None and length > MAX_FORM:
            return _json(start_response, "413 Request Entity Too Large",
                         {"error": "form body over %d bytes" % MAX_FORM})
        parts, size = [], 0
        for block in _blocks(environ):
            size += len(block)
            if size > MAX_FORM:
                return _json(start_response, "413 Request Entity Too Large",
                             {"error": "form body over %d bytes" % MAX_FORM})
            parts.append(block)
        body = "".join(parts)
        ctype, _ = cgi.parse_header(environ.get("CONTENT_TYPE", ""))
        if ctype in ("", "application/x-www-form-urlencoded"):
            pairs = urlparse.parse_qsl(body, True)
        elif ctype == "multipart/form-data":
            fs = cgi.FieldStorage(fp=StringIO(body), keep_blank_values=True, environ={
                "REQUEST_METHOD": "POST",
                "CONTENT_TYPE": environ["CONTENT_TYPE"],
                "CONTENT_LENGTH": str(len(body))})
            pairs = []
            for item in fs.list or []:
                if item.filename:
                    pairs.append((item.name, "<file %s, %d bytes>"
                                  % (item.filename, len(item.value))))
                else:
                    pairs.append((item.name, item.value))
        else:
            return _json(start_response, "415 Unsupported Media Type",
                         {"error": "not a form: %s" % ctype})
        for k, v in pairs:
            fields.setdefault(k, []).append(v)
    return _json(start_response, "200 OK",
                 {"method": environ.get("REQUEST_METHOD"), "fields": fields})


ROUTES = {"/": index, "/echo": echo, "/digest": digest, "/form": form}


def application(environ, start_response):
    view = ROUTES.get(environ.get("PATH_INFO") or "/")
    if view is None:
        return _reply(start_response, "404 Not Found", "Not Found\n")
    return view(environ, start_response)
