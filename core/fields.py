from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OrderedJSONField(models.JSONField):
    """A JSONField that keeps the order of keys on PostgreSQL too.

    PostgreSQL's jsonb sorts keys; its json type stores the text as given. The
    fields that use this one are written back out to fixture files, in the
    order the files had, and are never queried by key.
    """

    def __init__(self, *args, **kwargs):
        # Unknown fixture keys can hold dates; they are kept as ISO 8601 text.
        kwargs.setdefault("encoder", DjangoJSONEncoder)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from django.db.backends.postgresql.operations import get_json_dumps
        from psycopg.types.json import Json

        # Django sends jsonb, which would sort the keys on its way into the column.
        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=get_json_dumps(self.encoder))

    def from_db_value(self, value, expression, connection):
        # psycopg decodes the json type itself (jsonb is left to Django).
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)
