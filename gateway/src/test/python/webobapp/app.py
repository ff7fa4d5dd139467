"""Test app: WebOb 1.8, unchanged, from Debian's python3-webob (WebOb 1.8 supports Python 2.7)."""
from webob import Response
from webob.dec import wsgify


@wsgify
def application(request):
    if request.path_info == "/":
        return Response("webob says hi", content_type="text/plain")
    if request.path_info == "/echo" and request.method == "POST":
        return Response(json_body={"name": request.POST.get("name"), "length": len(request.body),
                                   "scheme": request.scheme, "client": request.client_addr,
                                   "host": request.host})
    return Response("no such page", status=404, content_type="text/plain")
