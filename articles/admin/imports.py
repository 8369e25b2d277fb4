"""The admin's Import stories page: upload fixture files, preview what importing them would do, then
import exactly that. ArticleAdmin takes it from StoryImportMixin (admin:articles_article_import)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.crypto import constant_time_compare

from .. import editorial
from ..conf import newsroom_settings
from ..forms import StoryUploadForm
from ..models import Revision
from ..stories.parse import FixtureError, Limits, parse_story_bytes
from ..stories.uploads import UploadError, UploadLimits, discard_upload, load_upload, purge_uploads, store_upload
from ..stories.write import CREATED, UPDATED, ImportReport, import_parsed


def upload_limits() -> UploadLimits:
    return UploadLimits.from_config(newsroom_settings.IMPORT)


def import_limits() -> Limits:
    return Limits.from_config(newsroom_settings.IMPORT)


def upload_root() -> Path:
    """Where uploads wait between preview and confirmation: a folder every server process of the host sees."""
    return Path(newsroom_settings.IMPORT["UPLOAD_DIR"] or Path(tempfile.gettempdir()) / "newsroom-uploads")


UPLOAD_SESSION_KEY = "articles_pending_import"
# A preview nobody confirmed within this many seconds is thrown away.
UPLOAD_MAX_AGE = 6 * 3600


def parsed_upload(upload, *, limits):
    """(name, StoryData | FixtureError) pairs for import_parsed, in upload order."""
    for item in upload.files:
        try:
            yield item.name, parse_story_bytes(item.data, filename=item.name, limits=limits)
        except FixtureError as exc:
            yield item.name, exc
    for name, message in upload.errors:
        yield name, FixtureError(message, filename=name)


def import_upload(upload, *, dry_run, may_publish, user=None, overwrite_editorial=False, source=Revision.Source.UPLOAD):
    """import_parsed over an upload; every file's result, in the order the files were uploaded.

    Without `may_publish` (an Importer who is not an Editor) the files' publish
    flags are not taken: new stories arrive unpublished.
    """
    report = import_parsed(
        parsed_upload(upload, limits=import_limits()),
        dry_run=dry_run,
        may_publish=may_publish,
        overwrite_editorial=overwrite_editorial,
        user=user,
        source=source,
        report=ImportReport(keep_all=True),
    )
    names = [item.name for item in upload.files] + [name for name, _ in upload.errors]
    order = {}
    for index, name in enumerate(names):
        order.setdefault(name, index)
    report.results.sort(key=lambda result: order.get(result.path, len(order)))
    return report


class StoryImportMixin:
    """The Import stories page of a ModelAdmin, for users with articles.import_stories.

    What the files say about publishing is taken only from users the admin's
    has_publish_permission() allows.
    """

    def has_import_permission(self, request):
        return request.user.has_perm("articles.import_stories")

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload fixture files, preview what importing them would do, then import exactly that."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import stories",
            "has_view_permission": self.has_view_permission(request),
        }
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self._import_confirm(request, context)
        if step == "cancel":
            self._forget_pending_import(request)
            self.message_user(request, "Import cancelled; nothing was written.", messages.INFO)
            return HttpResponseRedirect(request.path)

        limits = upload_limits()
        if request.method == "POST":
            # Bound whatever the POST holds: an empty one is an upload without files.
            form = StoryUploadForm(request.POST, request.FILES, limits=limits)
        else:
            form = StoryUploadForm(limits=limits)
        if form.is_valid():
            upload = form.cleaned_data["upload"]
            report = import_upload(upload, dry_run=True, may_publish=self.has_publish_permission(request))
            self._forget_pending_import(request)
            purge_uploads(root=upload_root(), max_age=UPLOAD_MAX_AGE)
            token = store_upload(upload, root=upload_root(), owner=str(request.user.pk))
            request.session[UPLOAD_SESSION_KEY] = {"token": token, "digest": upload.digest}
            context.update(
                step="preview",
                title="Import stories: preview",
                report=report,
                upload=upload,
                token=token,
                importable=report.created + report.updated,
                # Taking the files' values over editors' is an editor's decision.
                can_overwrite=self.has_publish_permission(request),
            )
        else:
            context.update(step="upload", form=form, limits=limits)
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _import_confirm(self, request, context):
        pending = request.session.get(UPLOAD_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        # The token must be the one this session was given at preview time; a
        # token from anyone else's preview is worthless here.
        if not pending.get("token") or not constant_time_compare(token, pending["token"]):
            self.message_user(
                request, "This import is unknown or was already done; upload the files again.", messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        root = upload_root()
        try:
            upload = load_upload(token, root=root, owner=str(request.user.pk), digest=pending["digest"])
        except UploadError as exc:
            self._forget_pending_import(request)
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.path)
        may_publish = self.has_publish_permission(request)
        report = import_upload(
            upload,
            dry_run=False,
            may_publish=may_publish,
            user=request.user,
            overwrite_editorial=may_publish and request.POST.get("overwrite_editorial") == "1",
        )
        self._forget_pending_import(request)
        editorial.log_import(
            user=request.user,
            created=[result.article_id for result in report.results if result.status == CREATED],
            updated=[result.article_id for result in report.results if result.status == UPDATED],
            source="an upload in the admin",
        )
        level = messages.WARNING if report.failed else messages.SUCCESS
        self.message_user(request, f"Import done: {report.summary()}.", level)
        context.update(step="done", title="Import stories: done", report=report, upload=upload)
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _forget_pending_import(self, request):
        pending = request.session.pop(UPLOAD_SESSION_KEY, None)
        if pending:
            discard_upload(pending["token"], root=upload_root())
