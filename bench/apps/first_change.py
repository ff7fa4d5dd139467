"""bench/deploy's timer: sends one admin request (in a thread) and polls the site until a 200 carries the change.

    first_change.py ADMIN_SOCKET PORT HOST METHOD PATH BODY_FILE CONTENT_TYPE EXPECTED

Prints "FIRST ANSWERED STATUS": seconds from the admin request to the first 200 whose body contains EXPECTED (-1
if none within 60 s), seconds until the admin request returned, and its HTTP status.
"""
import http.client
import socket
import sys
import threading
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def main():
    admin, port, host, method, path, body_file, content_type, expected = sys.argv[1:9]
    with open(body_file, "rb") as f:
        body = f.read()
    answered = {}

    def send():
        conn = UnixConnection(admin)
        conn.request(method, path, body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        response.read()
        answered["status"] = response.status
        answered["at"] = time.monotonic()

    start = time.monotonic()
    sender = threading.Thread(target=send)
    sender.start()
    first = -1.0
    while time.monotonic() - start < 60:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
            conn.request("GET", "/", headers={"Host": host})
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            conn.close()
            if response.status == 200 and expected in text:
                first = time.monotonic() - start
                break
        except OSError:
            pass
        time.sleep(0.01)
    sender.join(120)
    print("%.3f %.3f %s" % (first, answered.get("at", start - 1) - start, answered.get("status", 0)))


if __name__ == "__main__":
    main()
