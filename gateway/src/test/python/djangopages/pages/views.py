"""Views of the Django test projects (both `mysite` projects install this app; their settings differ)."""
import os

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


def index(request):
    return render(request, "pages/index.html", {"title": settings.SITE_TITLE})


@require_POST
def submit(request):
    messages.success(request, "Thanks, %s!" % request.POST["name"])
    return redirect("index")


def api(request):
    return JsonResponse({
        "title": settings.SITE_TITLE,
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "path": request.path,
        "method": request.method,
    })


def visits(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return JsonResponse({"title": settings.SITE_TITLE, "visits": request.session["visits"]})


def boom(request):
    raise ZeroDivisionError("django-test-boom")
