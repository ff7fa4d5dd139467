-- wrk script: POST a 1 MiB body to /echo on every request (keep-alive).
wrk.method = "POST"
wrk.path = "/echo"
wrk.body = string.rep("x", 1024 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
