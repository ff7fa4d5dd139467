from django.conf.urls import url

from pages import views

urlpatterns = [
    url(r"^$", views.index, name="index"),
    url(r"^submit$", views.submit, name="submit"),
    url(r"^api$", views.api, name="api"),
    url(r"^visits$", views.visits, name="visits"),
    url(r"^boom$", views.boom, name="boom"),
]
