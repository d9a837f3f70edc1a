"""The signed completion record and the confirmation link's event write their times as every wire
format does (UTC with a `Z`), and a sign-off stored while the record wrote `+00:00` still matches
its unchanged record, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import pytest

from backend.domain.signoff import completion_record
from tests.helpers import signature_data_url


def _hash(record: dict, write_time) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=write_time)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _with_z(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _with_offset(moment) -> str:
    return moment.astimezone(UTC).isoformat()


@pytest.fixture
def signed(dispatcher, technician, world, new_work_order):
    """A job done and signed on the phone, with a logged fix: its URL."""
    url = f"/api/v1/work-orders/{new_work_order()['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    assert technician.post(f"{url}/logs", json={"kind": "fix", "text": "Relay", "minutes": 30}).status_code == 201
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Replaced relay", "first_time_fix": True})
    assert done.status_code == 200, done.json
    answer = technician.post(f"{url}/signoff", json={"signer_name": "Mrs Li", "signature": signature_data_url()})
    assert answer.status_code == 201, answer.json
    return url


def _record(app, url) -> dict:
    from backend.extensions import db
    from backend.models import WorkOrder

    with app.app_context():
        return completion_record(db.session, db.session.get(WorkOrder, int(url.rsplit("/", 1)[1])))


def test_the_signed_record_writes_its_times_with_a_z(app, dispatcher, signed):
    detail = dispatcher.get(signed).json
    record = _record(app, signed)
    text = json.dumps(record, default=_with_z)
    assert f'"completed_at": "{detail["completed_at"]}"' in text and detail["completed_at"].endswith("Z")
    assert "+00:00" not in text
    assert detail["signoff"]["record_hash"] == _hash(record, _with_z)
    assert detail["signoff"]["record_valid"] is True


def test_the_confirmation_links_event_gives_its_expiry_with_a_z(dispatcher, signed):
    events = [e for e in dispatcher.get(signed).json["events"] if e["action"] == "confirmation_link_created"]
    assert events and all(e["details"]["expires_at"].endswith("Z") for e in events)


def _store_hash(app, record_hash: str) -> None:
    from backend.extensions import db
    from backend.models import Signoff

    with app.app_context():
        db.session.query(Signoff).one().record_hash = record_hash
        db.session.commit()


def test_a_signoff_hashed_with_offsets_before_still_matches_its_record(app, dispatcher, signed):
    record = _record(app, signed)
    _store_hash(app, _hash(record, _with_offset))
    signoff = dispatcher.get(signed).json["signoff"]
    assert signoff["record_hash"] == _hash(record, _with_offset) and signoff["record_valid"] is True

    _store_hash(app, _hash({**record, "resolution": "Something else"}, _with_offset))
    assert dispatcher.get(signed).json["signoff"]["record_valid"] is False
