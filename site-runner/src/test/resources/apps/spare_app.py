"""The spare runner's test app: shows what the LOAD line changed (os.environ, the working directory, output)."""
import os
import sys


def application(environ, start_response):
    path = environ['PATH_INFO']
    if path == '/env':
        body = os.environ.get('HOSTEL_SPARE_TEST', '<unset>')
    elif path == '/cwd':
        body = os.getcwd()
    else:
        body = 'spare'
    print 'spare app printed to stdout'
    sys.stderr.write('spare app wrote to stderr\n')
    body = body.encode('utf-8')
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
