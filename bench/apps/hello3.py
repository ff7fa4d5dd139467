"""The benchmark's hello world for CPython 3 (gunicorn, uWSGI): the same app as
sites/hello/hello.py (which is Python 2 / Jython), with bytes instead of str.
Keep the two in step.

  GET  /          the 13 bytes "Hello, world!", with Content-Length
  POST /echo      reads the whole body in 64 KB blocks, then sends it back
                  (Content-Length copied). Reading all of it first matters:
                  nginx sends the whole request body before it reads the
                  response, so an echo that answers while still reading
                  deadlocks behind nginx once the socket buffers fill.
  GET  /download  1 MiB of bytes, with Content-Length
"""
BLOCK = 64 * 1024
DOWNLOAD = b"0123456789abcdef" * (1024 * 1024 // 16)


def _read_body(environ):
    stream = environ["wsgi.input"]
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    blocks = []
    while remaining > 0:
        block = stream.read(min(BLOCK, remaining))
        if not block:
            break
        remaining -= len(block)
        blocks.append(block)
    return blocks


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", "13")])
        return [b"Hello, world!"]
    if path == "/echo":
        blocks = _read_body(environ)
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(sum(len(b) for b in blocks)))])
        return blocks
    if path == "/download":
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(len(DOWNLOAD)))])
        return [DOWNLOAD]
    start_response("404 Not Found", [("Content-Type", "text/plain"),
                                     ("Content-Length", "10")])
    return [b"Not Found\n"]
