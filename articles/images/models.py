"""
The rows of pictures: a story's or a related item's image, and its renditions (articles.models exports them).

They are defined here, beside the code that fills them, so that articles.models
stays a size one can read; the app and the table names are the same.
"""

from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q

from core.fields import OrderedJSONField

from .pictures import picture_from


class Image(models.Model):
    """A picture of a story or of a related item (exactly one of the two)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="images", null=True, blank=True
    )
    related_link = models.ForeignKey(
        "articles.RelatedLink", on_delete=models.CASCADE, related_name="images", null=True, blank=True
    )
    position = models.PositiveIntegerField(default=0)
    url = models.URLField("URL", max_length=2000)
    # As the fixture claims them; None where the fixture leaves the key out.
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    is_cached = models.BooleanField(null=True, blank=True)
    extra = OrderedJSONField(default=dict, blank=True)
    layout = OrderedJSONField(default=dict, blank=True)

    # The newsroom's own copy (articles.images), measured after Pillow read it.
    # Kept beside the claims above, which an export writes back unchanged.
    file = models.FileField("local copy", max_length=255, blank=True, editable=False)
    stored_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    stored_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    stored_format = models.CharField(max_length=10, blank=True, editable=False)
    stored_bytes = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cached_at = models.DateTimeField(null=True, blank=True, editable=False)
    fetch_error = models.TextField(blank=True, editable=False)
    fetch_failed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # The renditions' files by format (articles.images.pictures.picture_files):
    # pages build <picture> from the image's own row, without a query.
    picture_files = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(article__isnull=False, related_link__isnull=True)
                    | Q(article__isnull=True, related_link__isnull=False)
                ),
                name="image_belongs_to_story_or_related",
            ),
            models.UniqueConstraint(
                fields=["article", "position"],
                condition=Q(article__isnull=False),
                name="image_unique_position_in_story",
            ),
            models.UniqueConstraint(
                fields=["related_link", "position"],
                condition=Q(related_link__isnull=False),
                name="image_unique_position_in_related",
            ),
        ]
        indexes = [
            # Provider analytics' image-cache rate: the stories' images with a copy, counted on this index alone.
            models.Index(fields=["article"], condition=Q(file__gt=""), name="image_cached"),
        ]

    def __str__(self):
        return self.url

    @property
    def has_local_copy(self):
        return bool(self.file)

    @property
    def display_width(self):
        """The true width once the newsroom has its copy, else what the fixture claims."""
        return self.stored_width if self.file else self.width

    @property
    def display_height(self):
        return self.stored_height if self.file else self.height

    @property
    def claims_mismatch(self):
        """Where the fixture's claims were wrong: {"width": (claimed, true), ...}.

        Empty until the newsroom has its own copy, and for a claim the fixture
        leaves out.
        """
        if not self.file:
            return {}
        measured = {"width": (self.width, self.stored_width), "height": (self.height, self.stored_height)}
        return {name: pair for name, pair in measured.items() if pair[0] is not None and pair[0] != pair[1]}

    def picture(self):
        """What a <picture> element needs (articles.images.pictures.Picture), or None before caching."""
        return picture_from(self.picture_files) if self.file else None

    @property
    def thumbnail_url(self):
        """The smallest JPEG rendition, or the remote URL before caching."""
        jpeg = self.picture_files.get(Rendition.Format.JPEG) if self.file else None
        return default_storage.url(jpeg[0][0]) if jpeg else self.url


class Rendition(models.Model):
    """A resized copy of a cached image, made once when it is cached (articles.images)."""

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=Format.choices)
    file = models.FileField(max_length=255)
    bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["format", "width"]
        constraints = [
            models.UniqueConstraint(fields=["image", "width", "format"], name="rendition_unique_width_format"),
        ]

    def __str__(self):
        return f"{self.file.name} ({self.width}x{self.height} {self.format})"
