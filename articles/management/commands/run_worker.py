"""run_worker: run the background jobs of the configured backend, and the periodic trigger.

On the database backend it is django-tasks-db's `db_worker`; with
TASKS_BACKEND=rq it is django-rq's `rqworker` with the job class django-tasks-rq
needs. Either way the worker also runs the periodic trigger
(articles.jobs.periodic): start as many workers as you like, each due
periodic job is enqueued once.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

try:
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
except ImportError:  # Django < 6.0
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from articles.jobs.periodic import PeriodicTrigger, enqueue_due_jobs


class Command(BaseCommand):
    help = "Run background jobs (the database backend's worker, or RQ's) and the periodic trigger."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="queues to take jobs from, comma-separated")
        parser.add_argument(
            "--batch", action="store_true", help="run what is due and every job waiting, then exit (cron, tests)"
        )
        parser.add_argument("--max-tasks", type=int, help="exit after this many jobs (the database backend)")
        parser.add_argument("--interval", type=float, default=1, help="seconds between looks at an empty queue")
        parser.add_argument("--no-periodic", action="store_true", help="do not run the periodic trigger")
        parser.add_argument("--worker-id", help="a name unique among the workers (default: generated)")

    def handle(self, *, queue_name, batch, max_tasks, interval, no_periodic, worker_id, **options):
        backend = type(task_backends[DEFAULT_TASK_BACKEND_ALIAS]).__name__
        verbosity = options["verbosity"]
        trigger = None
        if not no_periodic:
            if batch:
                enqueue_due_jobs()
            else:
                trigger = PeriodicTrigger()
                trigger.start()
        try:
            if backend == "DatabaseBackend":
                arguments = ["--queue-name", queue_name, "--interval", str(interval), "--no-reload"]
                arguments += ["--batch", "--no-startup-delay"] if batch else []
                arguments += ["--max-tasks", str(max_tasks)] if max_tasks else []
                arguments += ["--worker-id", worker_id] if worker_id else []
                call_command("db_worker", *arguments, verbosity=verbosity)
            elif backend == "RQBackend":
                arguments = [*queue_name.split(","), "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
                arguments += ["--burst"] if batch else []
                arguments += ["--max-jobs", str(max_tasks)] if max_tasks else []
                arguments += ["--name", worker_id] if worker_id else []
                call_command("rqworker", *arguments, verbosity=verbosity)
            else:
                raise CommandError(
                    f"the task backend is {backend}, which runs jobs where they are enqueued: no worker to run "
                    "(TASKS_BACKEND=database or rq)"
                )
        finally:
            if trigger:
                trigger.stop()
