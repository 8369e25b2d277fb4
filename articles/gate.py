"""
The quality gate: the lowest quality at which a story may be published without an editor's override.

One rule for every route that publishes (the change form, the story list,
bulk actions, triage, imports, restores): articles.editorial and the import's
plan ask passes_gate(). The bar is NEWSROOM_WORKFLOW["MIN_QUALITY"], or
"TRUSTED_MIN_QUALITY" for a provider listed in "TRUSTED_PROVIDERS" (domains).
"""

from django.db.models import Q

from .conf import newsroom_settings


def quality_bar(provider_domain: str | None) -> int:
    """The minimum quality for a story of the provider with this domain (None: no provider)."""
    workflow = newsroom_settings.WORKFLOW
    trusted = {domain.lower() for domain in workflow["TRUSTED_PROVIDERS"]}
    if provider_domain and provider_domain.lower() in trusted:
        return min(workflow["TRUSTED_MIN_QUALITY"], workflow["MIN_QUALITY"])
    return workflow["MIN_QUALITY"]


def passes_gate(quality: int, provider_domain: str | None) -> bool:
    return quality >= quality_bar(provider_domain)


def below_gate_query():
    """A Q of the stories below the gate (for a queryset of Article)."""
    workflow = newsroom_settings.WORKFLOW
    trusted = [domain.lower() for domain in workflow["TRUSTED_PROVIDERS"]]
    low = Q(quality__lt=workflow["MIN_QUALITY"])
    if not trusted:
        return low
    bar = min(workflow["TRUSTED_MIN_QUALITY"], workflow["MIN_QUALITY"])
    return (low & ~Q(provider__domain__in=trusted)) | Q(quality__lt=bar, provider__domain__in=trusted)
