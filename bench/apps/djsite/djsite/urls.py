from django.conf.urls import url

from djsite import views

urlpatterns = [
    url(r"^$", views.index),
]
