"""The background jobs in the admin: the queue of the database backend (pending, running, failed
with their errors) with a retry action, the periodic jobs and the admin uploads.

With TASKS_BACKEND=rq the queue lives in Redis and django-rq's own pages show it
(docs/deploy.md); the periodic jobs and uploads are listed here either way.
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from ..jobs.models import PeriodicJob, UploadJob
from .changelist import ReadOnlyAdmin, StrictModelAdmin

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobQueueAdmin(StrictModelAdmin, DBTaskResultAdmin):
    list_display = ["task_name", "status", "enqueued_at", "started_at", "finished_at", "error", "queue_name"]
    list_filter = ["status", "queue_name"]
    search_fields = ["task_path", "exception_class_path"]
    actions = ["retry"]

    def has_retry_permission(self, request):
        # Retrying runs a job again: a write, for those who may change the queue.
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.display(description="error")
    def error(self, obj):
        if not obj.exception_class_path:
            return ""
        last_line = obj.traceback.strip().splitlines()[-1] if obj.traceback.strip() else obj.exception_class_path
        return format_html('<span title="{}">{}</span>', obj.traceback, last_line[:200])

    @admin.action(description="Retry the selected failed jobs", permissions=["retry"])
    def retry(self, request, queryset):
        failed = list(queryset.failed())
        for result in failed:
            result.task.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        skipped = queryset.count() - len(failed)
        self.message_user(request, f"Enqueued {len(failed)} job(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} job(s) had not failed and were left alone.", messages.WARNING)


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdmin):
    list_display = ["task_path", "due_at", "last_enqueued_at", "last_result_id"]
    ordering = ["task_path"]


@admin.register(UploadJob)
class UploadJobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "status", "done", "total", "summary", "heartbeat_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    exclude = ["parse_digest", "digest", "token"]
