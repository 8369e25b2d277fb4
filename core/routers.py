"""Read replica: public page reads go to the "replica" database, everything else to the primary.

Only active when DATABASE_REPLICA_URL is set (settings add the alias and the
router). Editors, imports and every write stay on the primary, so what an
editor just saved is what they see.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

_public_read = ContextVar("newsroom_public_read", default=False)


@contextmanager
def public_reads():
    """Within this block, reads may be served by the replica."""
    token = _public_read.set(True)
    try:
        yield
    finally:
        _public_read.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _public_read.get() and "replica" in connections:
            return "replica"
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PublicReadsMiddleware:
    """Marks anonymous GET and HEAD requests outside the admin as public reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or request.path.startswith("/admin/"):
            return self.get_response(request)
        # Staff previews must see the latest saves, which a replica may lag behind.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.get_response(request)
        with public_reads():
            return self.get_response(request)
