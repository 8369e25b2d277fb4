"""
Admin uploads as jobs: the request stores the upload (articles.admin.imports), a
job parses and previews it, and after the editor's confirmation another job
imports it from the preview's parse, without parsing again.

Each step is resumable. A step runs as an attempt (UploadJob.attempt); a worker
that was killed leaves its step "running" with no heartbeat, and resuming it
starts the next attempt, which makes any worker still holding the old one stop
at its next progress report (Superseded). The import records every file's
result as soon as its batch is committed, so a resumed import skips the files
already done; the others are each imported whole or not at all (the import's
own transactions), and a file imported but not yet recorded comes out as
unchanged the second time. Importing the same upload twice changes nothing.
"""

import hashlib
import hmac
import pickle
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .. import editorial
from ..conf import newsroom_settings
from ..models import Revision
from ..stories.data import FixtureError, Limits
from ..stories.report import CREATED, UPDATED, ImportReport
from ..stories.sources import Unchanged
from ..stories.uploads import discard_upload, in_upload_order, load_upload, parsed_upload
from ..stories.write import import_parsed
from .models import UploadJob

try:
    from django.tasks import TaskResultStatus
except ImportError:  # Django < 6.0
    from django_tasks import TaskResultStatus

PARSE_FILE = "parse.pickle"
PREVIEW_FILE = "preview.pickle"
RESULTS_FILE = "results.pickle"
DONE_FILE = "done.pickle"
# Progress is written at most this often (seconds), and at the end.
_PROGRESS_EVERY = 1.0


class Superseded(Exception):
    """A newer attempt of this step took over (the step was resumed): this one stops."""


def upload_root() -> Path:
    """Where uploads wait for their jobs: a folder every web and worker process of the host sees."""
    return Path(newsroom_settings.IMPORT["UPLOAD_DIR"] or Path(tempfile.gettempdir()) / "newsroom-uploads")


def import_limits() -> Limits:
    return Limits.from_config(newsroom_settings.IMPORT)


def create_upload_job(*, upload, token, user, may_publish) -> UploadJob:
    """The job of an upload just stored under `token`, waiting for its preview."""
    names = ", ".join(item.name for item in upload.files[:20])
    return UploadJob.objects.create(
        user=user,
        token=token,
        digest=upload.digest,
        may_publish=may_publish,
        names=names + (f" and {len(upload.files) - 20:,} more" if len(upload.files) > 20 else ""),
        total=len(upload.files) + len(upload.errors),
    )


def next_attempt(job, status) -> int:
    """Start (or restart) a step: the attempt the step's task must hold."""
    if job.task_id and job.running:
        # A killed worker leaves its row in the database backend's queue "running" for ever.
        DBTaskResult.objects.filter(id=_uuid(job.task_id), status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{__name__}.Superseded",
            traceback="The worker running this job stopped; the step was resumed as a new job.",
        )
    UploadJob.objects.filter(pk=job.pk).update(
        attempt=F("attempt") + 1, status=status, done=0, error="", heartbeat_at=timezone.now()
    )
    job.refresh_from_db()
    return job.attempt


def _uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None  # another backend's id: no row of the database backend


def is_stale(job, *, now=None) -> bool:
    """A running step that has shown no progress for JOBS["STALE_SECONDS"]: its worker stopped."""
    now = now or timezone.now()
    stale_after = newsroom_settings.JOBS["STALE_SECONDS"]
    return job.running and (now - job.heartbeat_at).total_seconds() > stale_after


class _Progress:
    """import_parsed's progress, written to the job; raises Superseded once a newer attempt runs."""

    def __init__(self, job, attempt):
        self.job, self.attempt = job, attempt
        self.done, self.written_at = 0, 0.0

    def advance(self):
        self.done += 1
        if time.monotonic() - self.written_at >= _PROGRESS_EVERY:
            self.write()

    def finish(self):
        self.write()

    def write(self):
        self.written_at = time.monotonic()
        moved = UploadJob.objects.filter(pk=self.job.pk, attempt=self.attempt).update(
            done=self.done, heartbeat_at=timezone.now()
        )
        if not moved:
            raise Superseded(f"{self.job}: attempt {self.attempt} was superseded")


def _step(job_id, attempt, status):
    """The job, if `attempt` is still its current one (else Superseded)."""
    if not UploadJob.objects.filter(pk=job_id, attempt=attempt).update(status=status, heartbeat_at=timezone.now()):
        raise Superseded(f"upload job {job_id}: attempt {attempt} was superseded")
    return UploadJob.objects.select_related("user").get(pk=job_id)


def _failed(job, attempt, exc):
    UploadJob.objects.filter(pk=job.pk, attempt=attempt).update(status=UploadJob.Status.FAILED, error=str(exc)[:2000])


def _load_stored(job):
    return load_upload(job.token, root=upload_root(), owner=str(job.user_id), digest=job.digest)


def preview_upload(*, job_id, attempt) -> str:
    """Parse the stored upload and classify every file as an import would, writing no story."""
    try:
        job = _step(job_id, attempt, UploadJob.Status.CHECKING)
    except Superseded as exc:
        return str(exc)
    try:
        upload = _load_stored(job)
        folder = upload_root() / job.token
        # The parse goes to disk as it comes: held in memory, 10,000 stories' objects
        # would make every garbage collection walk them all.
        parsed = _SignedStream(folder / PARSE_FILE)

        def parse():
            for pair in parsed_upload(upload, limits=import_limits()):
                parsed.write(pair)
                yield pair

        report = import_parsed(
            parse(),
            dry_run=True,
            may_publish=job.may_publish,
            report=ImportReport(keep_all=True),
            progress=_Progress(job, attempt),
            source=Revision.Source.UPLOAD,
        )
        in_upload_order(report, upload)
        report.skipped = upload.skipped
        digests = [parsed.close(), _write_signed(folder / PREVIEW_FILE, report)]
        (folder / RESULTS_FILE).unlink(missing_ok=True)
    except Superseded as exc:
        return str(exc)
    except Exception as exc:
        _failed(job, attempt, exc)
        raise
    UploadJob.objects.filter(pk=job.pk, attempt=attempt).update(
        status=UploadJob.Status.PREVIEWED, summary=report.summary(), parse_digest=":".join(digests)
    )
    return report.summary()


def prune_upload_jobs(*, older_than) -> int:
    """Forget the uploads started before `older_than` that are not running: their rows and folders."""
    finished = UploadJob.objects.filter(created_at__lt=older_than).exclude(
        status__in=[UploadJob.Status.CHECKING, UploadJob.Status.IMPORTING]
    )
    tokens = list(finished.values_list("token", flat=True))
    for token in tokens:
        discard_upload(token, root=upload_root())
    finished.delete()
    return len(tokens)


def preview_report(job) -> ImportReport:
    """The preview's report (what the preview page lists), as its job wrote it."""
    return _read_signed(upload_root() / job.token / PREVIEW_FILE, job.parse_digest.split(":")[1])


def import_upload(*, job_id, attempt) -> ImportReport | None:
    """Import a previewed upload from its preview's parse; None if this attempt was superseded.

    Files whose result an earlier attempt recorded are not imported again.
    """
    try:
        job = _step(job_id, attempt, UploadJob.Status.IMPORTING)
    except Superseded:
        return None
    folder = upload_root() / job.token
    try:
        parsed = _read_stream(folder / PARSE_FILE, job.parse_digest.split(":")[0])
        report = _RecordedReport(folder / RESULTS_FILE)

        def remaining():
            for name, story in parsed:
                if name in report.recorded and not isinstance(story, FixtureError):
                    # Claimed, so a later file of the same story is still a duplicate; reported as recorded.
                    yield name, Unchanged(story.url_key)
                else:
                    yield name, story

        import_parsed(
            remaining(),
            report=report,
            may_publish=job.may_publish,
            overwrite_editorial=job.overwrite_editorial,
            user=job.user,
            source=Revision.Source.UPLOAD,
            batch_size=newsroom_settings.IMPORT["BATCH_SIZE"],
            progress=_Progress(job, attempt),
        )
        report.close()
        stored = _load_stored(job)
        report = in_upload_order(report.plain(), stored)
        report.skipped = stored.skipped
    except Superseded:
        return None
    except Exception as exc:
        _failed(job, attempt, exc)
        raise
    if UploadJob.objects.filter(pk=job.pk, attempt=attempt).update(
        status=UploadJob.Status.DONE, summary=report.summary(), done=job.total
    ):
        editorial.log_import(
            user=job.user,
            created=[result.article_id for result in report.results if result.status == CREATED],
            updated=[result.article_id for result in report.results if result.status == UPDATED],
            source="an upload in the admin",
        )
        digests = [*job.parse_digest.split(":")[:2], _write_signed(folder / DONE_FILE, report)]
        UploadJob.objects.filter(pk=job.pk).update(parse_digest=":".join(digests))
    return report


def done_report(job) -> ImportReport:
    """What the import did, file by file."""
    return _read_signed(upload_root() / job.token / DONE_FILE, job.parse_digest.split(":")[2])


class _RecordedReport(ImportReport):
    """An ImportReport that appends each result to a file as it comes (after its batch committed)."""

    def __init__(self, path):
        super().__init__(keep_all=True)
        self.recorded = set()
        if path.exists():
            with path.open("rb") as stream:
                while True:
                    try:
                        result = pickle.load(stream)  # noqa: S301 - our own job wrote it, in our folder
                    except (EOFError, pickle.UnpicklingError):
                        break
                    super().add(result)
                    self.recorded.add(result.path)
        self.stream = path.open("ab")

    def add(self, result):
        if result.path in self.recorded:
            return
        super().add(result)
        self.recorded.add(result.path)
        pickle.dump(result, self.stream)
        self.stream.flush()

    def close(self):
        self.stream.close()

    def plain(self):
        """The same report, as a plain ImportReport (what the done page reads)."""
        fields = ("created", "updated", "unchanged", "duplicates", "failed", "skipped", "results", "written")
        return ImportReport(keep_all=True, **{name: getattr(self, name) for name in fields})


# The parse and reports are pickles our jobs write in the upload's folder; each is
# read back only if its keyed hash (kept in the database) matches, so nothing else
# written there is ever unpickled.


def _mac(data=b""):
    key = hashlib.sha256(f"newsroom-upload-job:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, data, hashlib.sha256)


def _hash(data):
    return _mac(data).hexdigest()


class _SignedStream:
    """Pickles written one after the other to `path`; close() gives the keyed hash of them all."""

    def __init__(self, path):
        self.file, self.mac = path.open("wb"), _mac()

    def write(self, value):
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.mac.update(data)
        self.file.write(data)

    def close(self):
        self.file.close()
        return self.mac.hexdigest()


def _read_stream(path, digest):
    """The values a _SignedStream wrote, one at a time, once the whole file's hash is checked."""
    mac = _mac()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            mac.update(chunk)
    if not hmac.compare_digest(mac.hexdigest(), digest):
        raise ValueError(f"{path.name} is not the one this job wrote")
    with path.open("rb") as stream:
        while True:
            try:
                yield pickle.load(stream)  # noqa: S301 - checked above
            except EOFError:
                return


def _write_signed(path, value):
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    path.write_bytes(data)
    return _hash(data)


def _read_signed(path, digest):
    data = path.read_bytes()
    if not hmac.compare_digest(_hash(data), digest):
        raise ValueError(f"{path.name} is not the one this job wrote")
    return pickle.loads(data)  # noqa: S301 - checked above
