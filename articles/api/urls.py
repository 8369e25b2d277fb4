from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from .conditional import conditional
from .imports import StoryImportView
from .views import StoryDetailView, StoryListView

app_name = "api"

urlpatterns = [
    path("stories/", conditional(StoryListView.as_view()), name="stories"),
    path("stories/import/", StoryImportView.as_view(), name="import"),
    path("stories/<slug:slug>/", conditional(StoryDetailView.as_view()), name="story"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
]
