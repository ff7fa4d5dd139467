"""Test app: a site that allocates without bound, to prove that its ceiling holds.

GET /heap?mb=N     keeps N MB more of Python strings (Java heap) per request: ends in OutOfMemoryError
GET /native?mb=N   allocates and touches N MB more of native memory per request, outside every JVM cap:
                   only the runner's memory cgroup (or Hostel's RSS watch) stops it
GET /              how much it holds
"""
KEPT = []
_UNSAFE = []


def _unsafe():
    if not _UNSAFE:
        from sun.misc import Unsafe
        field = Unsafe.getDeclaredField("theUnsafe")
        field.setAccessible(True)
        _UNSAFE.append(field.get(None))
    return _UNSAFE[0]


def _megabytes(environ):
    for pair in environ.get("QUERY_STRING", "").split("&"):
        if pair.startswith("mb="):
            return int(pair[3:])
    return 8


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    size = _megabytes(environ) << 20
    if path == "/heap":
        KEPT.append("x" * size)
    elif path == "/native":
        unsafe = _unsafe()
        address = unsafe.allocateMemory(size)
        unsafe.setMemory(address, size, 1)
        KEPT.append(address)
    body = "holding %d blocks\n" % len(KEPT)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
