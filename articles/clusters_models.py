"""The rows coverage clusters are found with (articles.clusters); Article's own columns are in models.py."""

from django.db import models


class TitleBand(models.Model):
    """One MinHash band key of a story's title (articles.similarity): stories sharing a key are compared."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="title_bands")
    key = models.BigIntegerField()
    # The day (proleptic ordinal, UTC) the story was published: candidates are looked up within the window.
    day = models.IntegerField()

    class Meta:
        app_label = "articles"
        indexes = [models.Index(fields=["key", "day"], name="title_band_by_key_day")]

    def __str__(self):
        return f"{self.article_id}: {self.key}"
