"""The admin's Import stories page: upload fixture files, preview what importing them would do, then
import exactly that. ArticleAdmin takes it from StoryImportMixin (admin:articles_article_import).

The request only checks and stores the upload; the preview (parsing every file
and classifying it as an import would) and the import are background jobs
(articles.jobs.upload_jobs), followed on a progress page that refreshes itself.
Where the job is done before the request is (a small upload, or the immediate
backend), the page shows its result at once.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare

from .. import tasks
from ..conf import newsroom_settings
from ..forms import StoryUploadForm
from ..jobs import upload_jobs
from ..jobs.models import UploadJob
from ..stories.uploads import UploadError, UploadLimits, discard_upload, load_upload, purge_uploads, store_upload

upload_root = upload_jobs.upload_root

UPLOAD_SESSION_KEY = "articles_pending_import"
# A preview nobody confirmed within this many seconds is thrown away.
UPLOAD_MAX_AGE = 6 * 3600
# Seconds between two reloads of the progress page.
REFRESH_SECONDS = 2


def upload_limits() -> UploadLimits:
    return UploadLimits.from_config(newsroom_settings.IMPORT)


STEP_TASKS = {
    UploadJob.Status.CHECKING: tasks.preview_upload,
    UploadJob.Status.IMPORTING: tasks.import_upload,
}


def start_step(job, status):
    """Enqueue the step `status` of `job` as its next attempt (a start, a resume or a retry)."""
    attempt = upload_jobs.next_attempt(job, status)
    result = STEP_TASKS[status].enqueue(str(job.pk), attempt)
    UploadJob.objects.filter(pk=job.pk, attempt=attempt).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


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
            path(
                "import/<uuid:job_id>/",
                self.admin_site.admin_view(self.import_progress_view),
                name="articles_article_import_progress",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import stories",
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def import_view(self, request):
        """Upload fixture files, preview what importing them would do, then import exactly that."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "confirm":
            return self._import_confirm(request)
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
        if not form.is_valid():
            context = self._context(request, step="upload", form=form, limits=limits)
            return TemplateResponse(request, "admin/articles/article/import.html", context)
        upload = form.cleaned_data["upload"]
        self._forget_pending_import(request)
        purge_uploads(root=upload_root(), max_age=UPLOAD_MAX_AGE)
        token = store_upload(upload, root=upload_root(), owner=str(request.user.pk))
        request.session[UPLOAD_SESSION_KEY] = {"token": token, "digest": upload.digest}
        job = upload_jobs.create_upload_job(
            upload=upload, token=token, user=request.user, may_publish=self.has_publish_permission(request)
        )
        job = start_step(job, UploadJob.Status.CHECKING)
        return self._job_page(request, job)

    def import_progress_view(self, request, job_id):
        """An upload's job: its progress while it runs, then its preview or its result."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(UploadJob, pk=job_id, user=request.user)
        if request.method == "POST" and request.POST.get("step") == "resume":
            status = UploadJob.Status.IMPORTING if job.parse_digest else UploadJob.Status.CHECKING
            if job.status == UploadJob.Status.FAILED or upload_jobs.is_stale(job):
                job = start_step(job, status)
                self.message_user(request, "The upload's job starts again where it stopped.", messages.INFO)
            return HttpResponseRedirect(request.path)
        if request.GET.get("format") == "json":
            # The live progress (static/admin_extra/import_progress.js).
            state = render_to_string("admin/articles/article/_import_state.txt", {"job": job})
            return JsonResponse({"running": job.running, "done": job.done, "total": job.total, "state": state})
        return self._job_page(request, job)

    def _job_page(self, request, job):
        try:
            return self._job_result_page(request, job)
        except FileNotFoundError:
            # The upload's folder was purged (UPLOAD_MAX_AGE): the summary is all that is left.
            context = self._context(request, step="progress", title="Import stories", job=job, expired=True)
            return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _job_result_page(self, request, job):
        progress_url = reverse("admin:articles_article_import_progress", args=[job.pk])
        if job.status == UploadJob.Status.PREVIEWED:
            pending = request.session.get(UPLOAD_SESSION_KEY) or {}
            if pending.get("token") != job.token:
                raise Http404("This preview belongs to another upload session.")
            report = upload_jobs.preview_report(job)
            context = self._context(
                request,
                step="preview",
                title="Import stories: preview",
                report=report,
                upload=report,
                token=job.token,
                importable=report.created + report.updated,
                # Taking the files' values over editors' is an editor's decision.
                can_overwrite=self.has_publish_permission(request),
            )
        elif job.status == UploadJob.Status.DONE:
            report = upload_jobs.done_report(job)
            context = self._context(request, step="done", title="Import stories: done", report=report, upload=report)
        else:
            if request.method == "POST":
                return HttpResponseRedirect(progress_url)
            context = self._context(
                request,
                step="progress",
                title=f"Import stories: {job.get_status_display()}",
                job=job,
                stale=upload_jobs.is_stale(job),
                refresh=REFRESH_SECONDS if job.running else None,
            )
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _import_confirm(self, request):
        pending = request.session.get(UPLOAD_SESSION_KEY) or {}
        token = request.POST.get("token", "")
        # The token must be the one this session was given at preview time; a
        # token from anyone else's preview is worthless here.
        if not pending.get("token") or not constant_time_compare(token, pending["token"]):
            self.message_user(
                request, "This import is unknown or was already done; upload the files again.", messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        try:
            # The files must still be the ones previewed (the import then takes the preview's parse).
            load_upload(token, root=upload_root(), owner=str(request.user.pk), digest=pending["digest"])
            job = UploadJob.objects.get(token=token, user=request.user, status=UploadJob.Status.PREVIEWED)
        except (UploadError, UploadJob.DoesNotExist) as exc:
            self._forget_pending_import(request)
            message = str(exc) if isinstance(exc, UploadError) else "This upload's preview is not ready or was used."
            self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.path)
        # The uploader's permissions now, not at the preview: a right withdrawn since is withdrawn.
        job.may_publish = self.has_publish_permission(request)
        job.overwrite_editorial = job.may_publish and request.POST.get("overwrite_editorial") == "1"
        job.save(update_fields=["may_publish", "overwrite_editorial"])
        # Confirmed once: the session forgets it, the job keeps the files until it is done.
        request.session.pop(UPLOAD_SESSION_KEY, None)
        job = start_step(job, UploadJob.Status.IMPORTING)
        if job.status == UploadJob.Status.DONE:
            report = upload_jobs.done_report(job)
            level = messages.WARNING if report.failed else messages.SUCCESS
            self.message_user(request, f"Import done: {report.summary()}.", level)
        return self._job_page(request, job)

    def _forget_pending_import(self, request):
        pending = request.session.pop(UPLOAD_SESSION_KEY, None)
        if pending:
            UploadJob.objects.filter(token=pending["token"], status=UploadJob.Status.PREVIEWED).update(
                status=UploadJob.Status.CANCELLED
            )
            discard_upload(pending["token"], root=upload_root())
