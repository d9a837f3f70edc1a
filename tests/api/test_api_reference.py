"""docs/API.md's endpoint table is generated from the OpenAPI document; a change to an endpoint
(added, removed, re-roled, re-described) must come with the regenerated table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_reference.py"


@pytest.fixture(scope="module")
def api_reference():
    spec = importlib.util.spec_from_file_location("api_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered_table(api_reference):
    spec, views = api_reference.load_spec_and_views()
    return api_reference.render_table(spec, views)


def committed_table(api_reference) -> str:
    document = api_reference.DOC.read_text(encoding="utf-8")
    return document.split(api_reference.START, 1)[1].split(api_reference.END, 1)[0].strip()


def test_committed_table_matches_the_spec(api_reference, rendered_table):
    assert committed_table(api_reference) == rendered_table, (
        "docs/API.md's endpoint table is out of date: run .venv/bin/python scripts/api_reference.py"
    )


def test_table_lists_every_operation_once_with_who_may_call_it(rendered_table):
    rows = rendered_table.splitlines()[2:]
    keys = [tuple(cell.strip() for cell in row.split("|")[2:4]) for row in rows]
    assert len(keys) == len(set(keys))
    row = next(row for row in rows if "`/api/v1/auth/login`" in row)
    assert "| public |" in row
    row = next(row for row in rows if "`/api/v1/users/{user_id}/sessions/revoke`" in row)
    assert "| admin |" in row
    assert all("| ? |" not in row for row in rows), "every operation names who may call it"


def test_a_stale_table_is_detected(api_reference, rendered_table):
    document = api_reference.DOC.read_text(encoding="utf-8")
    stale = api_reference.replace_section(document, rendered_table.rsplit("\n", 1)[0])
    assert api_reference.replace_section(stale, rendered_table) == document
    assert stale != document
