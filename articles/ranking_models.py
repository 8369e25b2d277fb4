"""Editors' overrides of the Top stories ranking (articles.ranking): pins and burials."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RankOverride(models.Model):
    """A story pinned to a slot of Top stories until a time, or buried (kept out of them)."""

    class Kind(models.TextChoices):
        PIN = "pin", "Pinned"
        BURY = "bury", "Buried"

    article = models.OneToOneField("articles.Article", on_delete=models.CASCADE, related_name="rank_override")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    # 1 is the top of the list.
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    # A pin returns the story to its ranked place then; a burial without one lasts until lifted.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "articles"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="bury") | Q(slot__isnull=False, expires_at__isnull=False), name="pin_has_slot_and_end"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.article_id}"
