"""
The periodic trigger: enqueues each job of articles.conf JOBS["PERIODIC"] when it is due.

Every worker runs the trigger (manage.py run_worker), so it must enqueue a due
run once however many workers look at the same moment. Each job has a row
(PeriodicJob) holding when its next run is due; a worker takes a run with one
conditional UPDATE that moves the due time on, which only one of them can
win, on SQLite and PostgreSQL alike. The enqueueing is in the same transaction:
if the queue refuses it (Redis away), the run stays due for the next tick.
"""

import datetime
import logging
import threading

from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..conf import newsroom_settings
from .models import PeriodicJob

logger = logging.getLogger(__name__)


def periodic_jobs():
    """[(task path, interval)] as declared in articles.conf JOBS["PERIODIC"]."""
    return [(path, datetime.timedelta(seconds=seconds)) for path, seconds in newsroom_settings.JOBS["PERIODIC"]]


def enqueue_due_jobs(*, now=None) -> list[str]:
    """Enqueue the periodic jobs that are due; the paths of those this call enqueued."""
    now = now or timezone.now()
    declared = periodic_jobs()
    # A job seen for the first time is due at once; two workers creating its row is harmless.
    PeriodicJob.objects.bulk_create(
        [PeriodicJob(task_path=path, due_at=now) for path, _ in declared], ignore_conflicts=True
    )
    enqueued = []
    for path, interval in declared:
        with transaction.atomic():
            taken = PeriodicJob.objects.filter(task_path=path, due_at__lte=now).update(
                due_at=now + interval, last_enqueued_at=now
            )
            if not taken:
                continue
            result = import_string(path).enqueue()
            PeriodicJob.objects.filter(task_path=path).update(last_result_id=str(result.id))
        enqueued.append(path)
        logger.info("enqueued periodic job %s (%s)", path, result.id)
    return enqueued


class PeriodicTrigger(threading.Thread):
    """enqueue_due_jobs() every JOBS["TICK_SECONDS"], beside a worker, until stopped."""

    def __init__(self, tick=None):
        super().__init__(name="periodic-trigger", daemon=True)
        self.tick = tick if tick is not None else newsroom_settings.JOBS["TICK_SECONDS"]
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            close_old_connections()
            try:
                enqueue_due_jobs()
            except Exception:
                # A database or queue outage must not end the trigger: the next tick tries again.
                logger.exception("the periodic trigger failed; trying again in %ss", self.tick)
            finally:
                connections.close_all()
            self.stopped.wait(self.tick)

    def stop(self):
        self.stopped.set()
