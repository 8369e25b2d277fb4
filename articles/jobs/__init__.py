"""Background work on Django's Tasks API: the periodic trigger, admin uploads, source-link health.

The task wrappers are in articles/tasks.py; what they call lives here (and in
the modules it names), so that it is tested without a worker.
"""
