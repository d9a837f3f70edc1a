"""Migrations build the schema the models describe, from empty, down again and up again."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from backend import create_app
from backend.extensions import db
from backend.models.knowledge import is_search_index_table, outside_the_models
from tests.conftest import DEFAULT_PG, drop_database_unwaited


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with nothing in it (its own, not the suite's shared one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    server = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    libpq = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"onsite_migrate_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL: {error}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {error}")
    yield server.set(database=name).render_as_string(hide_password=False)
    drop_database_unwaited(libpq, name)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if not is_search_index_table(name)}
    finally:
        engine.dispose()


def _drift(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": lambda name, type_, _: not outside_the_models(name, type_)}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models_then_downgrades_to_nothing(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade()
    assert _tables(empty_database) == set(db.metadata.tables)
    assert _drift(app) == []

    with app.app_context():
        downgrade(revision="base")
    assert _tables(empty_database) == set()

    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert _drift(app) == []
