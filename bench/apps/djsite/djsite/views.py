from django.shortcuts import render


def index(request):
    return render(request, "index.html", {"title": "Hello from Django", "items": range(5)})
