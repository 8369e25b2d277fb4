import os

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as product_urlpatterns

FLOOR_PAGE = b"<!doctype html><title>floor</title>" + b"x" * int(os.environ.get("BENCH_FLOOR_BYTES", "20000"))


def floor(request):
    """The fastest page Django can serve through the same middleware: a constant of the listing's size."""
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [path("bench/floor/", floor), *product_urlpatterns]
