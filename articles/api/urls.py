from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from articles import converters  # noqa: F401 (registers <segment:...>)

from .conditional import conditional
from .imports import StoryImportView
from .views import ProviderListView, StoryDetailView, StoryListView, TopicListView

app_name = "api"

urlpatterns = [
    path("stories/", conditional(StoryListView.as_view()), name="stories"),
    path("stories/import/", StoryImportView.as_view(), name="import"),
    path("stories/<segment:slug>/", conditional(StoryDetailView.as_view()), name="story"),
    path("topics/", conditional(TopicListView.as_view()), name="topics"),
    path("providers/", conditional(ProviderListView.as_view()), name="providers"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
]
