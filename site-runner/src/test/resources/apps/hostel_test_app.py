"""WSGI apps for the site runner's tests, routed by the first segment of PATH_INFO.

Python 2.7 (Jython). Every response is built from byte str only.
"""
import hashlib
import os
import sys
import threading
import time
import warnings
from urlparse import parse_qs
from wsgiref.validate import validator, WSGIWarning

# A validator warning is a failure for the tests: turn it into an exception (then a 500).
warnings.simplefilter('error', WSGIWarning)

_lock = threading.Lock()
_closed = set()


def _query(environ):
    return dict((k, v[-1]) for k, v in parse_qs(environ.get('QUERY_STRING', '')).items())


def _text(start_response, body, status='200 OK'):
    start_response(status, [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]


def environ_app(environ, start_response):
    """Every key as KEY<TAB>TYPE<TAB>VALUE, values repr()'d unless they are str."""
    lines = []
    for key in sorted(environ):
        value = environ[key]
        shown = value if type(value) is str else repr(value)
        lines.append('%s\t%s\t%s\n' % (key, type(value).__name__, shown))
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [''.join(lines)]


def path_app(environ, start_response):
    return _text(start_response, environ['PATH_INFO'])


def echo_app(environ, start_response):
    """The body back, with its SHA-256 in a header and an explicit Content-Length."""
    data = environ['wsgi.input'].read()
    start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                              ('Content-Length', str(len(data))),
                              ('X-Sha256', hashlib.sha256(data).hexdigest())])
    return [data]


def echo_stream_app(environ, start_response):
    """Streams the body back as it reads it: chunked, with back-pressure both ways."""
    stream = environ['wsgi.input']
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])

    def chunks():
        while True:
            chunk = stream.read(65536)
            if not chunk:
                return
            yield chunk
    return chunks()


def input_app(environ, start_response):
    """Exercises one wsgi.input method, named by the second path segment; repr() of the results."""
    stream = environ['wsgi.input']
    op = environ['PATH_INFO'].split('/')[2]
    if op == 'read':
        result = [stream.read(3), stream.read(4), stream.read(), stream.read(), stream.read(5)]
    elif op == 'read-minus-one':
        result = [stream.read(-1), stream.read(-1), stream.read(None)]
    elif op == 'readline':
        result = [stream.readline(), stream.readline(2), stream.readline(), stream.readline(),
                  stream.readline(), stream.readline()]
    elif op == 'readlines':
        result = [stream.readlines(), stream.read(), stream.readline()]
    elif op == 'readlines-hint':
        result = [stream.readlines(8), stream.readlines()]
    elif op == 'iter':
        result = [list(stream), stream.read()]
    else:
        raise ValueError(op)
    return _text(start_response, repr(result))


def stream_app(environ, start_response):
    count = int(_query(environ).get('n', '5'))
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def chunks():
        for i in range(count):
            yield 'chunk-%d\n' % i
    return chunks()


def length_app(environ, start_response):
    """Explicit Content-Length over a generator: kept, not chunked."""
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '10')])

    def chunks():
        yield 'hello'
        yield 'world'
    return chunks()


def big_app(environ, start_response):
    """N MiB streamed in 64 KiB chunks."""
    mib = int(_query(environ).get('mib', '1'))
    chunk = 'x' * 65536
    start_response('200 OK', [('Content-Type', 'application/octet-stream')])

    def chunks():
        for _ in xrange(mib * 16):
            yield chunk
    return chunks()


def raise_app(environ, start_response):
    raise ValueError('boom-secret-detail')


def raise_after_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])

    def chunks():
        yield 'first part\n'
        raise ValueError('late boom')
    return chunks()


def crlf_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Bad', 'a\r\nInjected: yes')])
    return ['should not be sent']


def padded_header_app(environ, start_response):
    """As Django 1.11 sends cookies: c.output(header='') leaves a leading space."""
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Set-Cookie', ' a=1; Path=/'),
                              ('X-Padded', '\t  b \t')])
    return ['padded']


def nul_header_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('X-Nul', 'a\x00b')])
    return ['should not be sent']


def unicode_header_app(environ, start_response):
    start_response('200 OK', [('Content-Type', u'text/plain')])
    return ['should not be sent']


def unicode_body_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [u'unicode is not bytes']


def no_start_app(environ, start_response):
    return []


def twice_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return ['twice']


def status_app(environ, start_response):
    """Answers with the status line given (URL-encoded) as the query string."""
    import urllib
    start_response(urllib.unquote(environ.get('QUERY_STRING', '')), [('Content-Type', 'text/plain')])
    return ['status']


def exc_info_app(environ, start_response):
    """Replaces its head with exc_info before anything was sent (allowed by PEP 3333)."""
    start_response('200 OK', [('Content-Type', 'text/plain')])
    try:
        raise KeyError('missing')
    except KeyError:
        start_response('503 Try Later', [('Content-Type', 'text/plain')], sys.exc_info())
    return ['replaced']


def exc_info_late_app(environ, start_response):
    """exc_info after the head was sent: start_response re-raises it; the connection is aborted."""
    write = start_response('200 OK', [('Content-Type', 'text/plain')])
    write('sent already\n')
    try:
        raise KeyError('late')
    except KeyError:
        start_response('500 Oops', [('Content-Type', 'text/plain')], sys.exc_info())
    return ['unreachable']


def write_app(environ, start_response):
    write = start_response('200 OK', [('Content-Type', 'text/plain')])
    write('hello ')
    write('world')
    return ['!']


def file_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    path = __file__.replace('$py.class', '.py')
    if path.endswith('.pyc'):
        path = path[:-1]
    return environ['wsgi.file_wrapper'](open(path, 'rb'), 4096)


class _TrackedFile(file):
    """A file whose close() is recorded in _closed under ?id=, to see the server call it after the response."""

    def __init__(self, path, ident):
        file.__init__(self, path, 'rb')
        self.ident = ident

    def close(self):
        file.close(self)
        with _lock:
            _closed.add(self.ident)


def file_path_app(environ, start_response):
    """/file-path?path=P[&skip=N][&length=L][&id=I][&stringio=1]: P through wsgi.file_wrapper, from byte N on."""
    q = _query(environ)
    if q.get('stringio'):
        from StringIO import StringIO
        with open(q['path'], 'rb') as source:
            f = StringIO(source.read())
    elif q.get('id'):
        f = _TrackedFile(q['path'], q['id'])
    else:
        f = open(q['path'], 'rb')
    skip = int(q.get('skip', '0'))
    if skip:
        f.read(skip)
    headers = [('Content-Type', 'application/octet-stream')]
    if 'length' in q:
        headers.append(('Content-Length', q['length']))
    start_response('200 OK', headers)
    return environ['wsgi.file_wrapper'](f, 65536)


class _Slow(object):
    """An iterable that records its close() under an id, to see it called after a disconnect."""

    def __init__(self, ident):
        self.ident = ident
        self.count = 0

    def __iter__(self):
        return self

    def next(self):
        self.count += 1
        if self.count > 400:
            raise StopIteration
        time.sleep(0.01)
        return 'tick %d\n' % self.count + ' ' * 4096

    def close(self):
        with _lock:
            _closed.add(self.ident)


def slow_app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return _Slow(_query(environ)['id'])


def closed_app(environ, start_response):
    with _lock:
        done = _query(environ)['id'] in _closed
    return _text(start_response, 'yes' if done else 'no')


def sleep_app(environ, start_response):
    time.sleep(int(_query(environ).get('ms', '100')) / 1000.0)
    return _text(start_response, 'slept')


def hold_app(environ, start_response):
    """Creates FILE.started, then waits (up to 2 minutes) until FILE exists: a request in flight for exactly as
    long as a test needs, however slow the machine."""
    path = _query(environ)['file']
    open(path + '.started', 'w').close()
    deadline = time.time() + 120
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.01)
    return _text(start_response, 'released' if os.path.exists(path) else 'gave up')


_arrived = {}


def together_app(environ, start_response):
    """Answers 'together' once N requests with the same id are in the app at the same time (or 'alone' after
    2 minutes): proves that requests run in parallel without measuring time."""
    query = _query(environ)
    ident, n = query['id'], int(query['n'])
    with _lock:
        _arrived[ident] = _arrived.get(ident, 0) + 1
    deadline = time.time() + 120
    while time.time() < deadline:
        with _lock:
            if _arrived[ident] >= n:
                return _text(start_response, 'together')
        time.sleep(0.01)
    return _text(start_response, 'alone')


def hello_app(environ, start_response):
    return _text(start_response, 'hello')


def print_app(environ, start_response):
    print 'printed by the app'
    return _text(start_response, 'printed')


ROUTES = {
    'environ': environ_app,
    'path': path_app,
    'echo': echo_app,
    'echo-stream': echo_stream_app,
    'input': input_app,
    'stream': stream_app,
    'length': length_app,
    'big': big_app,
    'raise': raise_app,
    'raise-after': raise_after_app,
    'crlf': crlf_app,
    'unicode-header': unicode_header_app,
    'padded-header': padded_header_app,
    'nul-header': nul_header_app,
    'unicode-body': unicode_body_app,
    'no-start': no_start_app,
    'twice': twice_app,
    'status': status_app,
    'exc-info': exc_info_app,
    'exc-info-late': exc_info_late_app,
    'write': write_app,
    'file': file_app,
    'file-path': file_path_app,
    'slow': slow_app,
    'closed': closed_app,
    'sleep': sleep_app,
    'hold': hold_app,
    'together': together_app,
    'hello': hello_app,
    'print': print_app,
}

VALIDATED = dict((name, validator(app)) for name, app in ROUTES.items())


def application(environ, start_response):
    """/NAME/... runs ROUTES[NAME]; /validate/NAME/... runs it wrapped in wsgiref's validator."""
    parts = environ['PATH_INFO'].split('/')
    routes = ROUTES
    if len(parts) > 2 and parts[1] == 'validate':
        routes = VALIDATED
        environ['PATH_INFO'] = '/' + '/'.join(parts[2:])
        parts = parts[1:]
    app = routes.get(parts[1] if len(parts) > 1 else '')
    if app is None:
        return _text(start_response, 'no route\n', '404 Not Found')
    return app(environ, start_response)
