"""A warm spare's test app: what sys.modules held before this module imported anything but sys."""
import sys
BEFORE = dict((name, name in sys.modules) for name in ('json', 'decimal', 'user', 'webbrowser'))
import decimal
import json
import os


def application(environ, start_response):
    seen = dict(BEFORE, uid=os.getuid(), sum=str(decimal.Decimal('0.1') + decimal.Decimal('0.2')))
    body = json.dumps(seen, sort_keys=True)
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]
