"""The rows coverage clusters are found with (articles.clusters); Article's own columns are in models.py."""

from django.db import models


class TitleBand(models.Model):
    """One MinHash band key of a story's title (articles.similarity): stories sharing a key are compared."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="title_bands")
    key = models.BigIntegerField()

    class Meta:
        app_label = "articles"
        indexes = [models.Index(fields=["key", "article"], name="title_band_by_key")]

    def __str__(self):
        return f"{self.article_id}: {self.key}"
