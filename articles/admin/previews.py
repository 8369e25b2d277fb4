"""The story's preview links in the admin: share one (of the story, or of a pending change), see visits, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..models import PreviewLink, Revision
from ..previews import create_preview_link, preview_token, revoke_preview_link


class PreviewLinkForm(forms.Form):
    days = forms.IntegerField(label="Works for (days)", min_value=1, max_value=90, initial=7)
    revision = forms.ModelChoiceField(
        label="What to preview",
        queryset=Revision.objects.none(),
        required=False,
        empty_label="The story as it is",
    )

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revision"].queryset = article.revisions.filter(status=Revision.Status.PENDING)
        self.fields["revision"].label_from_instance = lambda r: f"The pending change from {r.author} ({r})"


class PreviewLinksMixin:
    """The preview links page of ArticleAdmin."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/preview-links/",
                self.admin_site.admin_view(self.preview_links_view),
                name=f"{prefix}_preview_links",
            ),
            *super().get_urls(),
        ]

    def preview_links_view(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such story")
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        here = reverse("admin:articles_article_preview_links", args=[article.pk])
        form = PreviewLinkForm(request.POST if "share" in request.POST else None, article=article)
        if request.method == "POST":
            if "revoke" in request.POST:
                link = PreviewLink.objects.filter(article=article, pk=_id(request.POST["revoke"])).first()
                if link and revoke_preview_link(link=link):
                    messages.success(request, "The link no longer works.")
                return HttpResponseRedirect(here)
            if form.is_valid():
                create_preview_link(article=article, user=request.user, **form.cleaned_data)
                messages.success(request, "Preview link made: copy it below.")
                return HttpResponseRedirect(here)
        links = list(
            PreviewLink.objects.filter(article=article)
            .select_related("created_by", "revision")
            .annotate(visit_count=Count("visits"), last_visit=Max("visits__visited_at"))
        )
        for link in links:
            link.url = request.build_absolute_uri(reverse("articles:preview", args=[preview_token(link)]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Preview links of “{article.title}”",
            "form": form,
            "links": links,
        }
        return TemplateResponse(request, "admin/articles/article/preview_links.html", context)


def _id(value):
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None
