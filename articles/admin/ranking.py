"""Top stories in the admin: why a story ranks where it does, and the pins and burials editors set."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path

from ..conf import newsroom_settings
from ..models import Article
from ..ranking import bury_story, explain_rank, lift_override, pin_story


class PinForm(forms.Form):
    slot = forms.IntegerField(min_value=1, max_value=100, initial=1, help_text="1 is the top of Top stories.")
    hours = forms.IntegerField(
        min_value=1, max_value=24 * 14, initial=6, help_text="Then the story returns to its ranked place."
    )


class RankingMixin:
    """For ArticleAdmin: needs its _require(), _action_form() and has_publish_permission()."""

    def get_urls(self):
        return [
            path("<int:object_id>/rank/", self.admin_site.admin_view(self.rank_view), name="articles_article_rank"),
            *super().get_urls(),
        ]

    def rank_view(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Rank of “{article.title}”",
            "explanation": explain_rank(article),
            "config": newsroom_settings.RANKING,
        }
        return TemplateResponse(request, "admin/articles/article/rank.html", context)

    @admin.action(description="Pin selected stories to Top stories", permissions=["publish"])
    def pin_to_top(self, request, queryset):
        self._require(self.has_publish_permission(request))
        form = PinForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            # A pin places a story readers can see; one that is not live would be pinned to nothing.
            stories = list(queryset.published().order_by("-published_at", "-id"))
            unseen = queryset.count() - len(stories)
            if unseen:
                self.message_user(
                    request, f"{unseen} story(ies) not pinned: not live, so not in Top stories.", messages.WARNING
                )
            for offset, article in enumerate(stories):
                pin_story(
                    article=article,
                    slot=form.cleaned_data["slot"] + offset,
                    hours=form.cleaned_data["hours"],
                    user=request.user,
                )
            if stories:
                self.message_user(request, f"Pinned {len(stories)} story(ies) to Top stories.", messages.SUCCESS)
            return None
        return self._action_form(request, queryset, form, action="pin_to_top", title="Pin to Top stories", submit="Pin")

    @admin.action(description="Bury selected stories (out of Top stories)", permissions=["publish"])
    def bury(self, request, queryset):
        self._require(self.has_publish_permission(request))
        stories = list(queryset)
        for article in stories:
            bury_story(article=article, user=request.user)
        self.message_user(request, f"Buried {len(stories)} story(ies).", messages.SUCCESS)

    @admin.action(description="Lift pins and burials of selected stories", permissions=["publish"])
    def lift_rank_override(self, request, queryset):
        self._require(self.has_publish_permission(request))
        count = sum(lift_override(article=article, user=request.user) for article in queryset)
        self.message_user(request, f"Lifted {count} pin(s) or burial(s).", messages.SUCCESS)
