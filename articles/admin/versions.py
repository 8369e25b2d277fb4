"""
No lost updates from the story list: each row carries the version it showed.

A list edit or a bulk action on a row whose story changed since the list was
loaded is refused for that row, with who changed it; the other rows go ahead.
The version rides in a hidden input of the row (`version-<id>`), which both
the list's edit form and its actions post.
"""

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from ..forms import gate_error
from ..models import Article, Revision


def version_input(article):
    """The hidden input a story list row carries: the version it shows."""
    return format_html('<input type="hidden" name="version-{}" value="{}">', article.pk, article.version)


def posted_version(data, pk):
    value = data.get(f"version-{pk}", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def stale_rows(data, ids):
    """{id: Article} of the stories among `ids` whose posted version is no longer theirs."""
    posted = {pk: posted_version(data, pk) for pk in ids}
    checked = [pk for pk, version in posted.items() if version is not None]
    current = Article.objects.filter(pk__in=checked).only("pk", "title", "version")
    return {article.pk: article for article in current if article.version != posted[article.pk]}


def stale_message(articles, *, action=False):
    """“A” and “B” were not changed: … , naming who changed each and when.

    For a list edit the other rows were saved; for an action (`action`) it goes
    on, maybe to a second page, without these.
    """
    last = {}
    for revision in Revision.objects.filter(article__in=articles, status=Revision.Status.LIVE).select_related("user"):
        if revision.article_id not in last or revision.pk > last[revision.article_id].pk:
            last[revision.article_id] = revision
    parts = []
    for article in articles:
        revision = last.get(article.pk)
        who = f" by {revision.author} at {timezone.localtime(revision.created_at):%H:%M}" if revision else ""
        parts.append(f"“{article.title}” (changed{who})")
    them = "it" if len(parts) == 1 else "them"
    if action:
        return (
            f"Left out of this action, because someone changed {them} since you loaded the list: "
            f"{'; '.join(parts)}. Reload the list to see the changes."
        )
    return (
        f"Not saved, because someone changed {them} since you loaded the list: "
        f"{'; '.join(parts)}. Reload the list to see the changes; the other rows were saved."
    )


class VersionedListForm(forms.ModelForm):
    """A row of the story list's edit form: checked against the version its row showed.

    `stale_stories` collects the rows refused (ArticleAdmin.get_changelist_form
    gives each request its own list).
    """

    stale_stories = None

    def clean(self):
        cleaned = super().clean()
        version = posted_version(self.data, self.instance.pk)
        self.stale = (
            version is not None
            and version != Article.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        )
        cleaned["version"] = version
        if "published" in self.changed_data and cleaned.get("published") and not self.instance.published:
            # The list has no box for a reason: below the gate, the form or triage can give one.
            gate_error(
                self,
                cleaned,
                where="The list has no place for a reason: publish it from its form, from triage, or with the"
                " action “Schedule or publish with an override…”.",
            )
        return cleaned

    def has_changed(self):
        changed = super().has_changed()
        if changed and getattr(self, "stale", False):
            # Left alone, as if untouched; the list says why.
            if self.stale_stories is not None and self.instance not in self.stale_stories:
                self.stale_stories.append(self.instance)
            return False
        return changed
