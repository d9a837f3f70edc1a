"""Database-level helpers beneath the models: loading many rows at once through the driver.

The demo city, the benchmarks and the test factories insert tens of thousands of rows whose ids they
assign themselves; going through the ORM one object at a time would take minutes instead of seconds.
"""

from __future__ import annotations

import json
from datetime import UTC

from psycopg.types.json import Json
from sqlalchemy import JSON, text
from sqlalchemy.orm import Session

from .models.base import UTCDateTime


def _value_converters(table, dialect_name: str) -> list:
    """Per column, how a Python value becomes what the driver stores, done once per value here
    instead of through SQLAlchemy's per-value type processing (the bulk of the time otherwise)."""
    converters = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            if dialect_name == "sqlite":  # SQLAlchemy's SQLite DATETIME text form, UTC
                converters.append(lambda v: v.astimezone(UTC).isoformat(" ", "microseconds")[:26] if v else None)
            else:
                converters.append(lambda v: v.astimezone(UTC) if v else None)
        elif isinstance(column.type, JSON):
            converters.append(json.dumps if dialect_name == "sqlite" else Json)
        else:
            converters.append(None)
    return converters


def bulk_insert(session: Session, table, rows: list[dict], chunk: int = 20_000) -> None:
    """Insert `rows` (dicts keyed by column name) through the driver, inside the session's
    transaction: `COPY` on PostgreSQL, `executemany` on SQLite. A missing column gets the model's
    plain default (a new NOT NULL column with a default needs no change here), else NULL; keys that
    are no column are ignored."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = [column.name for column in table.columns]
    defaults = {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
    if defaults:
        rows = [{**defaults, **row} for row in rows]
    converters = list(zip(names, _value_converters(table, dialect.name), strict=True))
    columns = f"{table.name} ({', '.join(names)})"
    cursor = connection.connection.driver_connection.cursor()
    try:
        for start in range(0, len(rows), chunk):
            values = [
                tuple(convert(row.get(name)) if convert else row.get(name) for name, convert in converters)
                for row in rows[start : start + chunk]
            ]
            if dialect.name == "postgresql":  # COPY is several times faster than executemany there
                with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(f"INSERT INTO {columns} VALUES ({', '.join('?' * len(names))})", values)
    finally:
        cursor.close()


def move_sequences_past_ids(session: Session, tables) -> None:
    """After rows were inserted with explicit ids: on PostgreSQL, move each table's id sequence past
    them so that later inserts get fresh ids (SQLite takes the next id from the table itself)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 1)) FROM {table.name}")
        )
