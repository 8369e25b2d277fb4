"""Template helpers for the admin: the editorial dashboard on the admin home."""

from django import template
from django.urls import reverse

from articles.admin.dashboard import attention_counts

register = template.Library()


@register.inclusion_tag("admin/articles/_dashboard.html", takes_context=True)
def editorial_dashboard(context):
    """What needs attention, for users who may see stories; nothing for the others."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"counts": None}
    return {
        "counts": attention_counts(),
        "triage_url": reverse("admin:articles_article_triage") if user.has_perm("articles.change_article") else "",
    }
