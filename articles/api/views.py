"""The read API: live stories, listed and one by one (every read through Article.objects.published())."""

from django.db.models import Count, OuterRef, Subquery
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, generics
from rest_framework.pagination import PageNumberPagination

from providers.models import Provider

from ..filters import ArticleFilter
from ..models import Article, Topic
from .serializers import ProviderListSerializer, StoryDetailSerializer, StorySerializer, TopicListSerializer


class StoryPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class StoryOrdering(filters.OrderingFilter):
    def filter_queryset(self, request, queryset, view):
        ordering = list(self.get_ordering(request, queryset, view))
        # A search is best first unless the client asks for an order; ties newest first.
        if "ordering" not in request.query_params and request.query_params.get("q"):
            return queryset
        return queryset.order_by(*ordering, *(["-id"] if "-id" not in ordering else []))


@extend_schema_view(get=extend_schema(summary="Live stories", description="Newest first unless `ordering` says."))
class StoryListView(generics.ListAPIView):
    serializer_class = StorySerializer
    pagination_class = StoryPagination
    filter_backends = [DjangoFilterBackend, StoryOrdering]
    filterset_class = ArticleFilter
    ordering_fields = ["published_at", "quality", "heat", "title"]
    ordering = ["-published_at", "-id"]
    authentication_classes = []
    permission_classes = []

    def get_queryset(self):
        return Article.objects.for_listing()


@extend_schema_view(
    get=extend_schema(
        summary="One live story",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The story's slug.")],
    )
)
class StoryDetailView(generics.RetrieveAPIView):
    serializer_class = StoryDetailSerializer
    lookup_field = "slug"
    authentication_classes = []
    permission_classes = []

    def get_queryset(self):
        return Article.objects.published().for_detail()


def _live_counts(rows, through):
    """`rows` with `stories`, their live stories' number (`through` leads a story to its row), by name."""
    live = Article.objects.published().filter(**{through: OuterRef("pk")}).order_by().values(through)
    count = Subquery(live.annotate(n=Count("pk")).values("n"))
    return rows.annotate(stories=count).filter(stories__gt=0).order_by("name", "pk")


class PublicListView(generics.ListAPIView):
    """Anonymous and paged as the stories."""

    pagination_class = StoryPagination
    authentication_classes = []
    permission_classes = []


@extend_schema_view(get=extend_schema(summary="Topics with live stories", description="By name, with how many each."))
class TopicListView(PublicListView):
    serializer_class = TopicListSerializer

    def get_queryset(self):
        return _live_counts(Topic.objects.all(), "tagged_topics__tag")


@extend_schema_view(get=extend_schema(summary="Outlets with live stories", description="By name, with how many each."))
class ProviderListView(PublicListView):
    serializer_class = ProviderListSerializer

    def get_queryset(self):
        return _live_counts(Provider.objects.all(), "provider")
