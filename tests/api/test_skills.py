"""The skills vocabulary through the API, on SQLite and PostgreSQL: codes with English and Chinese
names managed by dispatchers and admins, every change on the skill's trail; what clients send as
skills (codes, Chinese codes, display names) resolved to codes at intake and on technicians, plain
codes never registered before still accepted (the contract's `["hvac"]`), and dispatch by code."""

from __future__ import annotations

import pytest

from backend.extensions import db
from backend.models import Skill, SkillChange, Technician, WorkOrder

SKILLS = "/api/v1/skills"


def _vocabulary(app) -> dict[str, tuple[str, str, bool]]:
    with app.app_context():
        return {s.code: (s.name_en, s.name_zh, s.active) for s in db.session.query(Skill)}


def _intake(dispatcher, world, skills, **overrides):
    body = {
        "customer_id": world.customer_id,
        "title": "洗衣机不脱水",
        "priority": "normal",
        "channel": "phone",
        "required_skills": skills,
        "location": {"lat": 31.2304, "lon": 121.4737},
        **overrides,
    }
    return dispatcher.post("/api/v1/work-orders", json=body)


def test_dispatchers_and_admins_manage_the_vocabulary_and_every_change_is_on_its_trail(client_for, world, app):
    dispatcher, admin = client_for(world.dispatcher_email), client_for(world.admin_email)
    created = dispatcher.post(SKILLS, json={"code": "washer", "name_en": "Washing machines", "name_zh": "洗衣机维修"})
    assert created.status_code == 201, created.json
    skill = created.json
    assert (skill["code"], skill["name_en"], skill["name_zh"], skill["active"]) == (
        "washer",
        "Washing machines",
        "洗衣机维修",
        True,
    )

    renamed = admin.patch(f"{SKILLS}/{skill['id']}", json={"name_en": "Washers", "active": False})
    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["code"], renamed.json["name_en"], renamed.json["active"]) == ("washer", "Washers", False)

    listed = dispatcher.get(f"{SKILLS}?active=false").json
    assert [s["code"] for s in listed["items"]] == ["washer"] and listed["total"] == 1
    assert dispatcher.get(f"{SKILLS}?active=true").json["items"] == []
    assert [s["code"] for s in dispatcher.get(f"{SKILLS}?q=洗衣").json["items"]] == ["washer"]

    trail = dispatcher.get(f"{SKILLS}/{skill['id']}/changes").json["items"]
    assert [c["action"] for c in trail] == ["created", "updated"]
    assert trail[0]["actor_user_id"] == dispatcher.user["id"]
    assert trail[1]["actor_user_id"] == admin.user["id"]
    assert trail[1]["details"] == {"name_en": ["Washing machines", "Washers"], "active": [True, False]}


def test_a_technician_reads_the_vocabulary_but_cannot_change_it(client_for, world, technician):
    skill = client_for(world.dispatcher_email).post(SKILLS, json={"code": "hvac", "name_zh": "暖通空调"}).json
    assert technician.get(SKILLS).json["items"][0]["name_zh"] == "暖通空调"
    assert technician.post(SKILLS, json={"code": "boilers"}).status_code == 403
    assert technician.patch(f"{SKILLS}/{skill['id']}", json={"name_en": "Air"}).status_code == 403
    assert technician.get(f"{SKILLS}/{skill['id']}/changes").status_code == 403
    assert client_for().get(SKILLS).status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "code"),
        ({"code": "air conditioning"}, "code"),
        ({"code": 'hv"ac'}, "code"),
        ({"code": "x" * 41}, "code"),
        ({"code": "ok", "name_en": "   "}, "name_en"),
        ({"code": "ok", "name_zh": "名" * 81}, "name_zh"),
        ({"code": "ok", "active": "maybe"}, "active"),
        ({"code": "hvac"}, "code"),  # taken
        ({"code": "ac", "name_zh": "暖通空调"}, "name_zh"),  # another skill's name
        ({"code": "ac", "name_en": "HVAC"}, "name_en"),  # another skill's code (and name), any case
    ],
)
def test_a_bad_skill_is_422_with_the_field_and_adds_nothing(dispatcher, app, body, field):
    assert dispatcher.post(SKILLS, json={"code": "hvac", "name_en": "HVAC", "name_zh": "暖通空调"}).status_code == 201
    response = dispatcher.post(SKILLS, json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]
    assert set(_vocabulary(app)) == {"hvac"}


def test_a_patch_cannot_take_another_skills_name_nor_change_the_code(dispatcher, app):
    first = dispatcher.post(SKILLS, json={"code": "hvac", "name_zh": "暖通空调"}).json
    second = dispatcher.post(SKILLS, json={"code": "boilers", "name_zh": "锅炉"}).json
    clash = dispatcher.patch(f"{SKILLS}/{second['id']}", json={"name_zh": "暖通空调"})
    assert clash.status_code == 422 and "name_zh" in clash.json["error"]["fields"]
    ignored = dispatcher.patch(f"{SKILLS}/{first['id']}", json={"code": "ac"})
    assert ignored.status_code == 422 and "code" in ignored.json["error"]["fields"]  # unknown field
    assert dispatcher.patch(f"{SKILLS}/999", json={"name_en": "x"}).status_code == 404
    assert _vocabulary(app)["boilers"][1] == "锅炉"


def test_a_chinese_skill_is_a_code_at_intake_and_joins_the_vocabulary_named_by_itself(dispatcher, world, app):
    response = _intake(dispatcher, world, ["洗衣机维修", "hvac"])
    assert response.status_code == 201, response.json
    assert sorted(response.json["required_skills"]) == sorted(["洗衣机维修", "hvac"])
    assert _vocabulary(app) == {"洗衣机维修": ("洗衣机维修", "洗衣机维修", True), "hvac": ("hvac", "hvac", True)}
    with app.app_context():
        change = db.session.query(SkillChange).join(Skill).filter(Skill.code == "洗衣机维修").one()
        assert (change.action, change.actor_user_id, change.details["from"]) == ("created", 2, "request")
    # The same code again adds nothing.
    assert _intake(dispatcher, world, ["洗衣机维修"]).status_code == 201
    assert len(_vocabulary(app)) == 2


def test_a_display_name_resolves_to_its_code_in_english_any_case_or_chinese(dispatcher, world, app):
    dispatcher.post(SKILLS, json={"code": "washer", "name_en": "Washing machines", "name_zh": "洗衣机维修"})
    for sent in ("洗衣机维修", "washing MACHINES", " Washer ", "\uff37\uff21\uff33\uff28\uff25\uff32"):
        response = _intake(dispatcher, world, [sent])
        assert response.status_code == 201, (sent, response.json)
        assert response.json["required_skills"] == ["washer"], sent
    assert set(_vocabulary(app)) == {"washer"}


def test_an_unknown_skill_that_is_not_a_code_is_422_and_nothing_is_written(dispatcher, world, app):
    response = _intake(dispatcher, world, ["hvac", "air conditioning repair"])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["required_skills.1"]
    with app.app_context():
        assert db.session.query(WorkOrder).count() == 0
    assert _vocabulary(app) == {}
    assert _intake(dispatcher, world, [""]).status_code == 422
    assert _intake(dispatcher, world, ["x" * 81]).status_code == 422


def test_an_edit_resolves_names_too(dispatcher, world, new_work_order):
    dispatcher.post(SKILLS, json={"code": "washer", "name_zh": "洗衣机维修"})
    wo = new_work_order()
    edited = dispatcher.patch(
        f"/api/v1/work-orders/{wo['id']}", json={"required_skills": ["洗衣机维修"], "version": wo["version"]}
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["required_skills"] == ["washer"]


def test_a_technician_with_a_chinese_skill_is_found_and_ranked_qualified_by_code(dispatcher, world, app):
    body = {
        "name": "Wang Wei",
        "email": "wang@example.com",
        "password": "password123",
        "skills": ["洗衣机维修", "HVAC"],
        "home": {"lat": 31.2310, "lon": 121.4740},
        "on_shift": True,
    }
    created = dispatcher.post("/api/v1/technicians", json=body)
    assert created.status_code == 201, created.json
    assert sorted(created.json["skills"]) == sorted(["洗衣机维修", "hvac"])
    with app.app_context():
        stored = db.session.get(Technician, created.json["id"]).skills
    assert sorted(stored) == sorted(["洗衣机维修", "hvac"])

    found = dispatcher.get("/api/v1/technicians?skill=洗衣机维修").json["items"]
    assert [t["name"] for t in found] == ["Wang Wei"]
    dispatcher.patch(f"{SKILLS}/{_skill_id(dispatcher, '洗衣机维修')}", json={"name_en": "Washing machines"})
    found = dispatcher.get("/api/v1/technicians?skill=washing machines").json["items"]
    assert [t["name"] for t in found] == ["Wang Wei"]

    job = _intake(dispatcher, world, ["洗衣机维修"]).json
    ranked = dispatcher.get(f"/api/v1/work-orders/{job['id']}/candidates").json["items"]
    assert ranked[0]["technician"]["name"] == "Wang Wei" and ranked[0]["skills_missing"] == []
    assert all(r["skills_missing"] == ["洗衣机维修"] for r in ranked[1:])

    renamed = dispatcher.patch(f"/api/v1/technicians/{created.json['id']}", json={"skills": ["Washing machines"]})
    assert renamed.status_code == 200 and renamed.json["skills"] == ["洗衣机维修"]


def _skill_id(client, code: str) -> int:
    return next(s["id"] for s in client.get(f"{SKILLS}?per_page=200").json["items"] if s["code"] == code)
