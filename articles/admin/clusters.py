"""The story list's coverage actions: merge duplicates into another story, split a wrong cluster."""

from django import forms
from django.contrib import admin, messages

from ..merging import MergeError, merge_story, split_stories
from ..models import Article


class MergeIntoForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Article.objects.all(),
        widget=forms.NumberInput,
        label="Into story (id)",
        help_text="The story that keeps the coverage; each selected story becomes one of its related items.",
        error_messages={"invalid_choice": "There is no story with this id."},
    )


class ClusterActionsMixin:
    """For ArticleAdmin: needs its _require() and _action_form()."""

    @admin.action(description="Merge selected duplicates into another story", permissions=["change"])
    def merge_into(self, request, queryset):
        self._require(self.has_change_permission(request))
        form = MergeIntoForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            into = form.cleaned_data["into"]
            merged = 0
            for duplicate in queryset.exclude(pk=into.pk).order_by("pk"):
                try:
                    merge_story(duplicate=duplicate, into=into, user=request.user)
                    merged += 1
                except MergeError as error:
                    self.message_user(request, f"Story {duplicate.pk}: {error}", messages.WARNING)
            self.message_user(request, f"Merged {merged} story(ies) into “{into.title}”.", messages.SUCCESS)
            return None
        return self._action_form(request, queryset, form, action="merge_into", title="Merge duplicates", submit="Merge")

    @admin.action(description="Split selected stories off their cluster", permissions=["change"])
    def split_cluster(self, request, queryset):
        self._require(self.has_change_permission(request))
        count = split_stories(queryset=queryset, user=request.user)
        self.message_user(request, f"Split {count} story(ies) off their cluster.", messages.SUCCESS)
