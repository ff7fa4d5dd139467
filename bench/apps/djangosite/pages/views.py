from django.http import JsonResponse
from django.shortcuts import render


def index(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return render(request, "pages/index.html", {"visits": request.session["visits"], "items": range(20)})


def data(request):
    return JsonResponse({"hello": "world", "n": list(range(10))})
