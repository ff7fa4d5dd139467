"""A hostile site: from inside its runner it tries every way into Hostel or a neighbour that issue 10 lists, and
answers a JSON object of {attack: {"succeeded": bool, "detail": str}}, plus what it is (its uid, groups,
capabilities, environment). The isolation end-to-end test tells it where things are (the query string), as if it
had found them in /proc: that only makes the attacker stronger.
"""
import json
import os
import sys
import urlparse

from java.net import StandardProtocolFamily, UnixDomainSocketAddress
from java.nio import ByteBuffer
from java.nio.channels import SocketChannel


def unix_http(path, request):
    """Sends a raw HTTP request on a Unix socket with Java's SocketChannel; returns the first response line."""
    channel = SocketChannel.open(StandardProtocolFamily.UNIX)
    try:
        channel.connect(UnixDomainSocketAddress.of(path))
        channel.write(ByteBuffer.wrap(bytearray(request)))
        buf = ByteBuffer.allocate(4096)
        data = ""
        while "\r\n" not in data:
            n = channel.read(buf)
            if n < 0:
                break
            data = "".join(chr(b & 0xff) for b in buf.array()[:buf.position()])
        return data.split("\r\n")[0]
    finally:
        channel.close()


def attempt(results, name, action):
    """Runs one attack: succeeded when it raised nothing and answered something that counts as success."""
    try:
        succeeded, detail = action()
    except:  # Python's and Java's exceptions alike: a refusal is what the test hopes for
        kind, e = sys.exc_info()[:2]
        succeeded, detail = False, "%s: %s" % (getattr(kind, "__name__", kind), e)
    results[name] = {"succeeded": bool(succeeded), "detail": str(detail)[:300]}


def status_of(first_line):
    parts = first_line.split(" ")
    return parts[1] if len(parts) > 1 else first_line


def admin_get(q):
    line = unix_http(q["admin"], "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return status_of(line) == "200", line


def admin_delete(q):
    line = unix_http(q["admin"], "DELETE /sites/victim HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    return status_of(line) == "200", line


def write_file(path, text):
    f = open(path, "w")
    try:
        f.write(text)
    finally:
        f.close()
    return True, "wrote " + path


def sites_d(q):
    return write_file(os.path.join(q["sitesd"], "evil.toml"),
                      'hosts = ["evil.test"]\napp = "hostile:application"\nroot = "%s"\n' % os.getcwd())


def read_file(path):
    f = open(path)
    try:
        return True, "read %d bytes of %s" % (len(f.read()), path)
    finally:
        f.close()


def neighbour_socket(q):
    line = unix_http(q["victim_socket"], "GET /remote HTTP/1.1\r\nHost: victim.test\r\nX-Forwarded-For: 6.6.6.6\r\n"
                     "Connection: close\r\n\r\n")
    return line.startswith("HTTP/"), line


def signal(q):
    os.kill(int(q["victim_pid"]), 0)
    return True, "kill -0 %s worked" % q["victim_pid"]


def own_memory_cgroup():
    for line in open("/proc/self/cgroup").read().splitlines():
        number, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return "/sys/fs/cgroup/memory" + path
        if number == "0" and controllers == "":
            return "/sys/fs/cgroup" + path
    raise IOError("no memory cgroup in /proc/self/cgroup")


def raise_ceiling(q):
    cgroup = own_memory_cgroup()
    name = "memory.limit_in_bytes" if os.path.exists(os.path.join(cgroup, "memory.limit_in_bytes")) else "memory.max"
    return write_file(os.path.join(cgroup, name), str(8 << 30))


def leave_cgroup(q):
    return write_file("/sys/fs/cgroup/memory/cgroup.procs", str(os.getpid()))


def status_fields():
    fields = {}
    for line in open("/proc/self/status").read().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def environ_names():
    raw = open("/proc/self/environ").read()
    return sorted(entry.split("=", 1)[0] for entry in raw.split("\0") if entry)


def application(environ, start_response):
    q = dict((k, v[0]) for k, v in urlparse.parse_qs(environ.get("QUERY_STRING", "")).items())
    results = {}
    attempt(results, "admin socket GET /status", lambda: admin_get(q))
    attempt(results, "admin socket DELETE a neighbour", lambda: admin_delete(q))
    attempt(results, "write into sites.d", lambda: sites_d(q))
    attempt(results, "write into run/", lambda: write_file(os.path.join(q["run"], "evil"), "x"))
    attempt(results, "write the runner's jars", lambda: write_file(q["jar"], "x"))
    attempt(results, "read a neighbour's environ", lambda: read_file("/proc/%s/environ" % q["victim_pid"]))
    attempt(results, "read a neighbour's files", lambda: read_file(q["victim_file"]))
    attempt(results, "read a neighbour's log", lambda: read_file(q["victim_log"]))
    attempt(results, "connect to a neighbour's socket", lambda: neighbour_socket(q))
    attempt(results, "signal a neighbour (kill -0)", lambda: signal(q))
    attempt(results, "raise its own memory ceiling", lambda: raise_ceiling(q))
    attempt(results, "leave its memory cgroup", lambda: leave_cgroup(q))
    status = status_fields()
    body = json.dumps({
        "attacks": results,
        "uid": status.get("Uid"), "gid": status.get("Gid"), "groups": status.get("Groups"),
        "cap_eff": status.get("CapEff"), "cap_bnd": status.get("CapBnd"), "cap_prm": status.get("CapPrm"),
        "no_new_privs": status.get("NoNewPrivs"),
        "environ": environ_names(),
    })
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
