"""What the API shows of a story: explicit fields only, none private (secured, editors' state, revisions)."""

from django.urls import reverse
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Article, RelatedLink


class ProviderSerializer(serializers.Serializer):
    name = serializers.CharField()
    domain = serializers.CharField()
    slug = serializers.CharField()


class TopicSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class LiveCountMixin(serializers.Serializer):
    """A topic's or an outlet's live stories: how many, its page on the site and its stories here."""

    stories = serializers.IntegerField(help_text="Its live stories.")
    url = serializers.SerializerMethodField()
    stories_url = serializers.SerializerMethodField()
    filter_name = ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, item):
        return self.context["request"].build_absolute_uri(item.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_stories_url(self, item):
        path = reverse("api:stories")
        return self.context["request"].build_absolute_uri(f"{path}?{urlencode({self.filter_name: item.slug})}")


class TopicListSerializer(TopicSerializer, LiveCountMixin):
    filter_name = "topic"


class ProviderListSerializer(ProviderSerializer, LiveCountMixin):
    filter_name = "provider"


class ImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class RelatedSerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(allow_null=True)

    class Meta:
        model = RelatedLink
        fields = ["title", "excerpt", "published_at", "web_url", "type", "provider", "quality"]


class ClusterStorySerializer(serializers.ModelSerializer):
    provider = ProviderSerializer(allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = ["slug", "title", "published_at", "provider", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, article):
        return self.context["request"].build_absolute_uri(article.get_absolute_url())


class StorySerializer(serializers.ModelSerializer):
    """A story of the list."""

    provider = ProviderSerializer(allow_null=True)
    topics = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    read_url = serializers.CharField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "excerpt",
            "category",
            "type",
            "published_at",
            "updated_at",
            "quality",
            "heat",
            "read_url",
            "url",
            "provider",
            "topics",
            "image",
            "cluster",
        ]

    @extend_schema_field(TopicSerializer(many=True))
    def get_topics(self, article):
        return TopicSerializer(article.topic_list, many=True).data

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, article):
        image = getattr(article, "card_image", None)
        if image is None:
            lead = article.lead_image if "images" in getattr(article, "_prefetched_objects_cache", {}) else None
            image = {"url": lead.url, "width": lead.width, "height": lead.height} if lead else None
        return ImageSerializer(image).data if image else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, article):
        return self.context["request"].build_absolute_uri(article.get_absolute_url())


class StoryDetailSerializer(StorySerializer):
    """One story: the list's fields, its links, every image, the related coverage and the cluster's live stories."""

    images = ImageSerializer(many=True)
    related = RelatedSerializer(many=True, source="related_links")
    cluster_stories = serializers.SerializerMethodField()

    class Meta(StorySerializer.Meta):
        fields = [
            *StorySerializer.Meta.fields,
            "web_url",
            "original_url",
            "amp_url",
            "images",
            "related",
            "cluster_stories",
        ]

    @extend_schema_field(ClusterStorySerializer(many=True))
    def get_cluster_stories(self, article):
        stories = Article.objects.published().cluster_of(article).select_related("provider")
        return ClusterStorySerializer(stories.order_by("-published_at", "-id"), many=True, context=self.context).data
