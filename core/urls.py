from django.conf import settings
from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.today, name="today"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

if settings.BENCH_FLOOR:
    # The framework's floor for the benchmark: one tiny template, no queries.
    urlpatterns.append(path("bench/floor", views.floor, name="floor"))
