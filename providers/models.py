from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from articles.fields import OrderedJSONField


class ProviderQuerySet(models.QuerySet):
    def get_by_natural_key(self, domain):
        return self.get(domain=domain.lower())


class Provider(models.Model):
    """An outlet that publishes stories, identified by its domain."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, unique=True, help_text="Lower-case host name, e.g. techcrunch.com.")
    slug = models.SlugField(max_length=253, unique=True)
    # The logo list exactly as fixtures carry it: [{"url", "width", "height"}, ...].
    logos = OrderedJSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["updated_at"], name="provider_updated")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=models.functions.Lower("domain")) & ~models.Q(domain=""),
                name="provider_domain_lower_case",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        if not self.slug:
            self.slug = slugify(self.domain)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:provider", kwargs={"domain": self.domain})

    def natural_key(self):
        return (self.domain,)

    @property
    def logo(self):
        return self.logos[0] if self.logos else None
