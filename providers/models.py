from django.db import models
from django.utils.text import slugify

from core.cached_reverse import cached_reverse
from core.fields import OrderedJSONField


class ProviderQuerySet(models.QuerySet):
    def get_by_natural_key(self, domain, name):
        return self.get(domain=domain.lower(), name=name)


class Provider(models.Model):
    """An outlet: a name as the files credit it, under its domain.

    One domain holds many outlets (YouTube channels on youtube.com, a
    company's several blogs), so an outlet is its (domain, name) pair: a file
    that credits "Power Apps Community" on microsoft.com never renames the
    "Microsoft" outlet of the same domain.
    """

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, help_text="Lower-case host name, e.g. techcrunch.com.")
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
            models.UniqueConstraint(fields=["domain", "name"], name="provider_unique_domain_name"),
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
            self.slug = slugify(self.domain.replace(".", "-"))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return cached_reverse("articles:provider", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.domain, self.name)

    @property
    def logo(self):
        return self.logos[0] if self.logos else None
