"""
`field__any_of=values`: what `field__in=values` selects, with the whole list as one parameter.

An `IN (%s, %s, ...)` list is a different statement for every length, and
SQLite's driver keeps the last 128 statements prepared, each as large as its
list: an import sending lists of a new length every batch grew its memory
with the number of files. Here the statement is the same for any length:
SQLite reads the values from a JSON array (`IN (SELECT value FROM
json_each(%s))`), PostgreSQL from an array (`= ANY(%s)`). Both still look the
values up in the column's index.

For lists of plain values (numbers and strings, ids rather than instances);
a subquery goes in `__in`.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        field = self.lhs.output_field
        # As `__in`: None matches nothing, and a repeated value once is enough.
        return list(dict.fromkeys(field.get_prep_value(value) for value in self.rhs if value is not None))

    def as_sql(self, compiler, connection):
        if not self.rhs:
            # As `__in` with an empty list: no query for a filter, everything for an exclude.
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*lhs_params, json.dumps(values))


Field.register_lookup(AnyOf)
# A relation's lookups are its own (ForeignObject.get_class_lookups stops there): `article_id__any_of` too.
ForeignObject.register_lookup(AnyOf)
