"""Intake rules (articles.intake, docs/intake-rules.md): conditions on incoming stories and what to do with them."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .intake.patterns import MAX_PATTERN_CHARS, PatternError, compile_pattern

# A domain as rules name it: host labels, no scheme, no path.
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


def split_list(text):
    """Comma- or line-separated entries, stripped, in order, without repeats (whatever their case)."""
    entries, seen = [], set()
    for entry in re.split(r"[,\n]", text or ""):
        entry = " ".join(entry.split())
        if entry and entry.lower() not in seen:
            seen.add(entry.lower())
            entries.append(entry)
    return entries


def domain_list(text):
    """The domains of a rule's text, lower-cased and without "www.", as canonical URLs hold them."""
    return [entry.lower().removeprefix("www.") for entry in split_list(text)]


class IntakeRule(models.Model):
    """Conditions on an incoming story (all that are set must hold) and the actions taken when they do."""

    class Decision(models.TextChoices):
        NONE = "", "No decision"
        HOLD = "hold", "Hold (waiting, behind the others)"
        REJECT = "reject", "Reject"
        APPROVE = "approve", "Approve through the quality gate"

    name = models.CharField(max_length=200, unique=True)
    enabled = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100, help_text="Rules run in this order, lowest first.")

    # Conditions: every one that is set must hold.
    providers = models.ManyToManyField(
        "providers.Provider", blank=True, related_name="+", help_text="Any of these outlets."
    )
    domains = models.TextField(
        blank=True,
        help_text="Any of these domains (one per line or comma-separated), subdomains included: the provider's"
        " domain or the reading link's host.",
    )
    topics = models.ManyToManyField("articles.Topic", blank=True, related_name="+", help_text="Any of these topics.")
    categories = models.CharField(
        max_length=500, blank=True, help_text="Any of these categories (comma-separated), whatever their case."
    )
    type = models.CharField(max_length=50, blank=True, help_text="The story's type (article, video, download).")
    quality_min = models.IntegerField("quality at least", null=True, blank=True)
    quality_max = models.IntegerField("quality at most", null=True, blank=True)
    heat_min = models.IntegerField("heat at least", null=True, blank=True, help_text="-1 is “not computed”.")
    heat_max = models.IntegerField("heat at most", null=True, blank=True)
    pattern = models.CharField(
        "title or excerpt pattern",
        max_length=MAX_PATTERN_CHARS,
        blank=True,
        help_text='Words (all of them), "phrases", climat* for a prefix, -word to exclude, OR between'
        " alternatives. Case is ignored; not a regular expression.",
    )

    # Actions.
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default=Decision.NONE)
    add_topics = models.CharField(max_length=500, blank=True, help_text="Topics to add (comma-separated).")
    remove_topics = models.CharField(max_length=500, blank=True, help_text="Topics to remove (comma-separated).")
    set_category = models.CharField(max_length=100, blank=True, help_text="The category to give the story.")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The revisions the rule's effects are in (at import and on demand); each also names it in its message.
    revisions = models.ManyToManyField("articles.Revision", blank=True, related_name="intake_rules", editable=False)

    class Meta:
        app_label = "articles"
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quality_min__isnull=True)
                | models.Q(quality_max__isnull=True)
                | models.Q(quality_min__lte=models.F("quality_max")),
                name="intake_rule_quality_range",
            ),
            models.CheckConstraint(
                condition=models.Q(heat_min__isnull=True)
                | models.Q(heat_max__isnull=True)
                | models.Q(heat_min__lte=models.F("heat_max")),
                name="intake_rule_heat_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def has_actions(self):
        return bool(self.decision or self.add_topics.strip() or self.remove_topics.strip() or self.set_category.strip())

    def has_scalar_conditions(self):
        """Whether a condition other than providers and topics (which are related rows) is set."""
        values = (self.domains, self.categories, self.type, self.pattern)
        bounds = (self.quality_min, self.quality_max, self.heat_min, self.heat_max)
        return any(value.strip() for value in values) or any(bound is not None for bound in bounds)

    def clean(self):
        errors = {}
        try:
            compile_pattern(self.pattern)
        except PatternError as exc:
            errors["pattern"] = str(exc)
        bad = [domain for domain in domain_list(self.domains) if not _DOMAIN.match(domain)]
        if bad:
            errors["domains"] = f"Not a domain (write bbc.co.uk, without https:// or a path): {', '.join(bad[:5])}"
        for low, high in (("quality_min", "quality_max"), ("heat_min", "heat_max")):
            if getattr(self, low) is not None and getattr(self, high) is not None:
                if getattr(self, low) > getattr(self, high):
                    errors[high] = "The upper bound must not be below the lower one."
        if set(map(str.lower, split_list(self.add_topics))) & set(map(str.lower, split_list(self.remove_topics))):
            errors["remove_topics"] = "A topic cannot be both added and removed."
        if not self.has_actions:
            errors["decision"] = "Give the rule something to do: a decision, topics or a category."
        if errors:
            raise ValidationError(errors)
