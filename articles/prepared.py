"""Reader queries the ORM writes once per process, then runs with each request's values.

Building a queryset and compiling it to SQL cost the reader pages more than
running it: a listing spent about 2 ms of its 6 on its cards' query, a story
page half its time on five small queries (bench/profile_pages.py, py-spy on
a gunicorn worker). A PreparedQuery asks the ORM for a query's SQL once per
database and shape, with marker values where a request's values go, and
then binds each request's values in their place. The SQL, its quoting and
the conversion of each column (aware datetimes, JSON) stay the ORM's.

Only ids and strings are bound, values that reach the database as they are;
a time (the schedule of published()) would be adapted per database, so a
query that needs one tests it in Python instead (Article.is_public_at()).

On SQLite, when nothing watches the connection's queries (no debug cursor,
as the query-count guards of the tests use, and no execute wrapper), the
SQL goes to the driver's connection with Django's own checks and error
wrapping but without its cursor objects: those were a tenth of a story
page's CPU. Anything that watches gets Django's cursor, and sees every query.
"""

import functools
import weakref

from django.db import connections
from django.db.models import Model, signals
from django.db.models.base import ModelState

# Where the ORM put a request's values: an id no row has, a text no reader sends.
ID_MARKER_BASE = -1_000_000
TEXT_MARKER = "\x1fprepared-{}\x1f"


class PreparedQuery:
    """A values_list() query, written once per database and shape.

    `build(*arguments)` returns the queryset for these arguments: each an id,
    a string or a list of ids (the list's length is part of the shape).
    """

    def __init__(self, build):
        self.build = build
        self._prepared = {}
        # Per database: the selected columns' expressions, and their converters per connection.
        self._columns = {}
        # {(database, SQL): the same for the driver}, where the backend's cursor rewrites SQL (SQLite);
        # per database, since two backends may write one query alike.
        self._driver_sql = {}

    def rows(self, *arguments, using="default"):
        """The query's rows for these arguments, each a tuple of the columns as the ORM gives them."""
        return self.converted(self.raw_rows(*arguments, using=using), using=using)

    def raw_rows(self, *arguments, using="default"):
        """The rows as the database driver gives them: enough to compare, and cheaper (converted() does the rest)."""
        sql, params, slots, _ = self._prepared_for(arguments, using)
        params = list(params)
        values = list(_flat(arguments))
        for slot, which in slots:
            # The type the backend gave the marker (psycopg's Int8 for a big integer, say).
            params[slot] = type(params[slot])(values[which])
        connection = connections[using]
        driver_sql = self._driver_sql.get((using, sql))
        if driver_sql is not None and not connection.queries_logged and not connection.execute_wrappers:
            return _driver_rows(connection, driver_sql, params)
        with connection.cursor() as cursor:
            if driver_sql is None and hasattr(cursor.cursor, "convert_query"):
                # The backend's own rewrite of the placeholders (SQLite's %s to ?), done once.
                driver_sql = self._driver_sql[using, sql] = cursor.cursor.convert_query(sql)
            cursor.execute(sql, params)
            return cursor.fetchall()

    def converted(self, rows, *, using="default"):
        """raw_rows() as the ORM would give them: its columns only, each converted as it converts it."""
        if using not in self._columns:
            raise RuntimeError("PreparedQuery.converted() converts rows from raw_rows() of the same database")
        # Every shape of one query selects the same columns.
        expressions, prepared_converters = self._columns[using]
        connection = connections[using]
        # Per connection: a converter may be a method of its connection's operations.
        converters = prepared_converters.get(connection)
        if converters is None:
            converters = prepared_converters[connection] = _converters(expressions, connection)
        width = len(expressions)
        if not converters:
            return [row[:width] for row in rows]
        return [_converted(row[:width], converters, connection) for row in rows]

    def _prepared_for(self, arguments, using):
        shape = (using, *(len(argument) if isinstance(argument, list) else None for argument in arguments))
        prepared = self._prepared.get(shape)
        if prepared is None:
            prepared = self._prepared[shape] = self._prepare(arguments, using)
            self._columns.setdefault(using, (prepared[3], weakref.WeakKeyDictionary()))
        return prepared

    def _prepare(self, arguments, using):
        markers, count = [], 0
        for argument in arguments:
            if isinstance(argument, list):
                markers.append([ID_MARKER_BASE - count - index for index in range(len(argument))])
                count += len(argument)
            elif isinstance(argument, str):
                markers.append(TEXT_MARKER.format(count))
                count += 1
            else:
                markers.append(ID_MARKER_BASE - count)
                count += 1
        compiler = self.build(*markers).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # (where in the parameters, which value): a value may be in several places (a subquery's).
        slots = []
        for which, marker in enumerate(_flat(markers)):
            kind = type(marker)
            places = [index for index, param in enumerate(params) if isinstance(param, kind) and param == marker]
            if not places:
                raise RuntimeError(f"PreparedQuery: {marker!r} is not in {sql} {params}")
            slots += [(place, which) for place in places]
        # A DISTINCT query also selects what it is ordered by, after its own columns.
        expressions = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
        return sql, params, slots, expressions


def _driver_rows(connection, sql, params):
    """The rows of `sql` from the driver's connection, after the checks Django's cursor makes."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        return connection.connection.execute(sql, params).fetchall()


def _flat(arguments):
    for argument in arguments:
        if isinstance(argument, list):
            yield from argument
        else:
            yield argument


def _converters(expressions, connection):
    """[(column, expression, its converters)] for the columns the ORM converts (a text or an id is as read)."""
    columns = []
    for index, expression in enumerate(expressions):
        functions = [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]
        if functions:
            columns.append((index, expression, functions))
    return columns


def _converted(row, converters, connection):
    values = list(row)
    for index, expression, functions in converters:
        value = values[index]
        for function in functions:
            value = function(value, expression, connection)
        values[index] = value
    return tuple(values)


def instance(model, values, *, using="default"):
    """A model instance as the ORM loads one with only these fields ({attname: value}; from_db() wants field order)."""
    names = _field_order(model, frozenset(values))
    return _from_db(model, using, names, [values[name] for name in names])


def _from_db(model, using, attnames, values):
    """model.from_db(using, attnames, values), the same instance without Model.__init__'s walk of every field.

    from_db() passes a value or DEFERRED for each of the model's fields to
    __init__, which tests and sets them one by one: 49 for a story. A story
    page builds two dozen instances, a tenth of its time. A model that
    changes either, or whose instances signals watch, gets them as it is.
    """
    if not _plain(model) or _watched(model):
        return model.from_db(using, attnames, values)
    obj = model.__new__(model)
    obj.__dict__.update(zip(attnames, values, strict=True))
    state = obj._state = ModelState()
    state.adding = False
    state.db = using
    return obj


def _watched(model):
    # Most sites connect no init signal at all: an empty list is cheaper to ask than has_listeners().
    return (signals.pre_init.receivers and signals.pre_init.has_listeners(model)) or (
        signals.post_init.receivers and signals.post_init.has_listeners(model)
    )


@functools.cache
def _plain(model):
    return model.__init__ is Model.__init__ and model.from_db.__func__ is Model.from_db.__func__


@functools.cache
def _field_order(model, attnames):
    return [field.attname for field in model._meta.concrete_fields if field.attname in attnames]


def instance_from_row(model, names, row, *, using="default"):
    """An instance of `model` from a values_list() row of `names`, with the related instances it shows.

    `<relation>__<field>` columns make the instance of that relation (None
    when its id is None); "pk" is the id.
    """
    own, related = _row_plan(model, tuple(names))
    obj = _from_db(model, using, own[0], [row[index] for index in own[1]])
    for relation, other, attnames, columns, id_column in related:
        if row[id_column] is None:
            setattr(obj, relation, None)
        else:
            setattr(obj, relation, _from_db(other, using, attnames, [row[index] for index in columns]))
    return obj


@functools.cache
def _row_plan(model, names):
    """Which of a row's columns make `model`'s instance, in field order, and which each related instance's."""
    own, related = {}, {}
    for index, name in enumerate(names):
        relation, _, field = name.partition("__")
        if field:
            related.setdefault(relation, {})[field] = index
        else:
            own["id" if name == "pk" else name] = index
    own_names = _field_order(model, frozenset(own))
    plans = []
    for relation, columns in related.items():
        other = model._meta.get_field(relation).related_model
        attnames = _field_order(other, frozenset(columns))
        plans.append((relation, other, attnames, [columns[name] for name in attnames], columns["id"]))
    return (own_names, [own[name] for name in own_names]), plans


def shown_fields(model, *, leaving_out=()):
    """The attnames of `model`'s concrete fields less those named in `leaving_out`: a whole row's values_list()."""
    return [field.attname for field in model._meta.concrete_fields if field.name not in leaving_out]
