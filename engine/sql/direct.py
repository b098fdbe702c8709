"""The writes every step makes, run on the driver's cursor. A Core statement is compiled once per dialect and set of
parameter names; its parameters are converted by their types' bind processors, as SQLAlchemy converts them, and
the statement runs on the DB-API cursor of the transaction's own connection. SQLAlchemy's execution path (cache
key, compiled-cache lookup, parameter processing, result object) costs about 45 µs a call; a step makes eight or
nine. Listeners of `before_cursor_execute` still see each statement (tracing, the tests that count them).
A statement this cannot run as it is (Python-side defaults to fill in, escaped or expanding parameters, RETURNING)
goes through `conn.execute`."""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError

_COMPILED: dict[tuple, tuple] = {}
MAX_COMPILED = 4096          # statements x sets of names; a step's update names only the columns it changed
_GENERAL = object()          # this statement with these names: SQLAlchemy's own path


def execute(conn, statement, params):
    """Run an INSERT/UPDATE/DELETE without RETURNING with a dict of parameters, or a list of dicts with the same
    names (executemany), in `conn`'s transaction. Returns the DB-API cursor (its `rowcount`)."""
    many = isinstance(params, list)
    first = params[0] if many else params
    key = (id(statement), conn.dialect.name, *first)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= MAX_COMPILED:
            _COMPILED.clear()
        found = _COMPILED[key] = (statement, _compile(statement, conn.dialect, first))   # holds the statement: ids stay
    plan = found[1]
    if plan is _GENERAL:
        return conn.execute(statement, params).context.cursor
    sql, names, processors, positional = plan
    rows = [_converted(row, names, processors, positional) for row in (params if many else [params])]
    cursor = conn.connection.driver_connection.cursor()
    for listener in conn.dispatch.before_cursor_execute:
        listener(conn, cursor, sql, rows if many else rows[0], None, many)
    try:
        if many:
            cursor.executemany(sql, rows)
        else:
            cursor.execute(sql, rows[0])
    except conn.dialect.loaded_dbapi.Error as exc:           # as SQLAlchemy raises it (IntegrityError, ...)
        gone = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
        if gone:
            conn.invalidate(exc)
        raise DBAPIError.instance(sql, rows, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect,
                                  connection_invalidated=gone) from exc
    return cursor


def _compile(statement, dialect, row):
    compiled = statement.compile(dialect=dialect, column_keys=list(row))
    binds = compiled.bind_names
    if (compiled.insert_prefetch or compiled.update_prefetch or compiled.postfetch or compiled.returning
            or compiled.escaped_bind_names or any(b.expanding for b in binds)
            or set(binds.values()) - set(row)):                  # a value SQLAlchemy would have to find
        return _GENERAL
    processors = {}
    for bind, name in binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    names = list(compiled.positiontup) if compiled.positional else list(binds.values())
    return compiled.string, names, processors, compiled.positional


def _converted(row, names, processors, positional):
    values = {name: (processors[name](row[name]) if name in processors else row[name]) for name in names}
    return tuple(values[name] for name in names) if positional else values
