"""The knowledge base through the API, on SQLite and PostgreSQL: Chinese and English search (a
two-character Chinese query too, below what a trigram index answers), filters, drafts hidden from
technicians, a job's suggestions ranked by their score, a draft from a resolved job, roles, validation."""
# ruff: noqa: RUF001 -- the Chinese text is written with Chinese punctuation, as a desk types it.

from __future__ import annotations

import pytest

from backend.extensions import db
from backend.models import Article

ARTICLES = "/api/v1/articles"
LEAK = {
    "title": "空调室内机漏水",
    "symptoms": "室内机滴水，墙面潮湿",
    "cause": "排水管堵塞或坡度不足",
    "fix": "疏通排水管，调整坡度",
    "skills": ["hvac"],
    "models": ["KFR-35GW"],
    "published": True,
}
COMPRESSOR = {
    "title": "Compressor will not start",
    "symptoms": "Outdoor unit hums, fan runs, air blows warm",
    "cause": "Failed start capacitor",
    "fix": "Replace the start capacitor (35/5 uF)",
    "skills": ["hvac", "electrical"],
    "models": ["KFR-50LW"],
    "published": True,
}
PIPE = {
    "title": "Kitchen pipe leaking under the sink",
    "symptoms": "Water under the sink cabinet",
    "cause": "Worn washer",
    "fix": "Replace the washer",
    "skills": ["plumbing"],
    "published": True,
}


def _post(client, body):
    response = client.post(ARTICLES, json=body)
    assert response.status_code == 201, response.json
    return response.json


def _titles(client, query: str) -> list[str]:
    response = client.get(f"{ARTICLES}?{query}")
    assert response.status_code == 200, response.json
    assert response.json["total"] == len(response.json["items"])
    return [item["title"] for item in response.json["items"]]


@pytest.fixture
def library(dispatcher):
    """Three published articles and a draft."""
    published = {"leak": LEAK, "compressor": COMPRESSOR, "pipe": PIPE}
    made = {name: _post(dispatcher, body) for name, body in published.items()}
    made["draft"] = _post(dispatcher, {"title": "空调异响（草稿）", "symptoms": "压缩机噪音大", "skills": ["hvac"]})
    return made


def test_a_two_character_chinese_query_finds_the_article_anywhere_in_its_text(dispatcher, library):
    assert _titles(dispatcher, "q=漏水") == ["空调室内机漏水"]  # in the title
    assert _titles(dispatcher, "q=潮湿") == ["空调室内机漏水"]  # in the symptoms
    assert _titles(dispatcher, "q=堵") == ["空调室内机漏水"]  # one character, in the cause


def test_a_longer_chinese_query_is_a_substring_not_a_word_list(dispatcher, library):
    assert _titles(dispatcher, "q=排水管堵塞") == ["空调室内机漏水"]
    assert _titles(dispatcher, "q=调整坡度") == ["空调室内机漏水"]
    assert _titles(dispatcher, "q=排水管漏水") == []  # the characters are there, not in that order
    assert _titles(dispatcher, "q=压缩机噪音") == ["空调异响（草稿）"]  # staff see drafts


def test_english_search_is_case_insensitive_matches_parts_of_words_and_needs_every_word(dispatcher, library):
    assert _titles(dispatcher, "q=CAPACITOR") == ["Compressor will not start"]
    assert _titles(dispatcher, "q=capac") == ["Compressor will not start"]  # part of a word
    assert _titles(dispatcher, "q=washer sink") == ["Kitchen pipe leaking under the sink"]
    assert _titles(dispatcher, "q=washer capacitor") == []
    assert _titles(dispatcher, "q=uF") == ["Compressor will not start"]  # two letters: the fallback
    assert _titles(dispatcher, "q=35%2F5") == ["Compressor will not start"]


def test_query_text_is_matched_literally_never_as_search_syntax(dispatcher, library):
    for query in ('"', "%", "_", "qq OR zz", "NEAR(qq", "*", "-x", "'; DROP TABLE articles; --"):
        response = dispatcher.get(ARTICLES, query_string={"q": query})
        assert response.status_code == 200, (query, response.json)
        assert response.json["items"] == [], query


def test_a_title_match_comes_first_then_the_newest(dispatcher, library, clock):
    _post(dispatcher, {"title": "Washer sizes", "published": True})
    clock.advance(minutes=5)
    _post(dispatcher, {"title": "Sink tap drips", "symptoms": "A washer-like squeak", "published": True})
    assert _titles(dispatcher, "q=washer") == ["Washer sizes", "Sink tap drips", "Kitchen pipe leaking under the sink"]


def test_skill_and_model_filters(dispatcher, library):
    assert _titles(dispatcher, "skill=electrical") == ["Compressor will not start"]
    assert _titles(dispatcher, "skill=plumbing&q=washer") == ["Kitchen pipe leaking under the sink"]
    assert _titles(dispatcher, "model=kfr-35gw") == ["空调室内机漏水"]  # any case
    assert _titles(dispatcher, "model=KFR-35") == []  # a model is named whole
    assert sorted(_titles(dispatcher, "skill=hvac&published=true")) == ["Compressor will not start", "空调室内机漏水"]
    assert _titles(dispatcher, "published=false") == ["空调异响（草稿）"]


def test_a_chinese_model_name_filters_too(dispatcher):
    _post(dispatcher, {**LEAK, "title": "格力机型", "models": ["格力 云佳 KFR-26GW"]})
    assert _titles(dispatcher, "model=格力 云佳 kfr-26gw") == ["格力机型"]


def test_technicians_see_published_articles_only(technician, library):
    assert _titles(technician, "q=压缩机") == []
    assert sorted(_titles(technician, "")) == sorted([LEAK["title"], COMPRESSOR["title"], PIPE["title"]])
    draft = library["draft"]["id"]
    assert technician.get(f"{ARTICLES}/{draft}").status_code == 404
    assert technician.get(f"{ARTICLES}/{library['leak']['id']}").json["title"] == LEAK["title"]
    # A technician's published=false asks for nothing they may see: still published only.
    assert _titles(technician, "published=false&q=压缩机") == []


def test_my_skills_gives_a_technician_the_articles_for_their_skills(technician, client_for, world, library):
    assert sorted(_titles(technician, "my_skills=true")) == sorted([LEAK["title"], COMPRESSOR["title"]])  # hvac, el.
    other = client_for(world.other_tech_email)  # plumbing
    assert _titles(other, "my_skills=true") == [PIPE["title"]]


def test_publishing_and_editing_move_updated_at_and_reach_the_technician(dispatcher, technician, library, clock):
    draft = library["draft"]
    clock.advance(minutes=5)
    response = dispatcher.patch(f"{ARTICLES}/{draft['id']}", json={"published": True, "cause": "轴承磨损"})
    assert response.status_code == 200, response.json
    assert response.json["published"] is True and response.json["cause"] == "轴承磨损"
    assert response.json["updated_at"] == "2026-11-23T09:05:00Z"
    assert _titles(technician, "q=轴承") == ["空调异响（草稿）"]  # the index follows the edit
    assert _titles(technician, "q=压缩机噪音") == ["空调异响（草稿）"]
    dispatcher.patch(f"{ARTICLES}/{draft['id']}", json={"symptoms": "风扇异响"})
    assert _titles(technician, "q=压缩机噪音") == []  # the old text is gone from the index
    assert _titles(technician, "q=风扇异响") == ["空调异响（草稿）"]


# ---- suggestions -----------------------------------------------------------------------------------


def _assigned(dispatcher, world, new_work_order, **overrides) -> dict:
    wo = new_work_order(**overrides)
    response = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    assert response.status_code == 200, response.json
    return wo


def test_suggestions_rank_by_shared_words_skills_and_model(dispatcher, technician, world, new_work_order, library):
    extra = _post(dispatcher, {**LEAK, "title": "冷凝水管结冰", "symptoms": "室外机管子一直结冰", "models": []})
    wo = _assigned(
        dispatcher,
        world,
        new_work_order,
        title="空调漏水",
        description="客户说室内机一直漏水，型号 KFR-35GW",
        required_skills=["hvac"],
    )
    response = technician.get(f"/api/v1/work-orders/{wo['id']}/articles")
    assert response.status_code == 200, response.json
    items = response.json["items"]
    assert [item["title"] for item in items] == ["空调室内机漏水", "冷凝水管结冰"]
    best = items[0]
    # hvac (3) + KFR-35GW named in the job (4) + 空调, 漏水, 室内, 内机 in the title (2 each)
    assert best["reasons"] == {"skills": ["hvac"], "models": ["KFR-35GW"], "terms": ["空调", "漏水", "室内", "内机"]}
    assert best["score"] == 3 + 4 + 2 * 4
    # hvac (3) + 一直 in its symptoms (1): 室外机 shares no pair of characters with 室内机
    assert items[1]["id"] == extra["id"]
    assert items[1]["reasons"] == {"skills": ["hvac"], "models": [], "terms": ["一直"]} and items[1]["score"] == 4
    assert all(item["published"] for item in items)  # the draft is never suggested


def test_english_suggestions_and_the_equipment_model_parameter(dispatcher, world, new_work_order, library):
    wo = _assigned(
        dispatcher, world, new_work_order, title="AC blows warm air", description="Compressor hums", required_skills=[]
    )
    items = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/articles").json["items"]
    assert [item["title"] for item in items] == ["Compressor will not start"]
    assert set(items[0]["reasons"]["terms"]) == {"compressor", "hums", "blows", "warm", "air"}
    with_model = dispatcher.get(f"/api/v1/work-orders/{wo['id']}/articles?model=KFR-35GW").json["items"]
    assert [item["title"] for item in with_model] == ["Compressor will not start", "空调室内机漏水"]
    assert with_model[1]["reasons"] == {"skills": [], "models": ["KFR-35GW"], "terms": []}


def test_a_skill_alone_suggests_nothing(dispatcher, world, new_work_order, library):
    wo = _assigned(dispatcher, world, new_work_order, title="Routine visit", description="", required_skills=["hvac"])
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}/articles").json["items"] == []


def test_a_technician_gets_suggestions_for_their_own_jobs_only(client_for, world, new_work_order, dispatcher, library):
    wo = _assigned(dispatcher, world, new_work_order, title="空调漏水")
    assert client_for(world.other_tech_email).get(f"/api/v1/work-orders/{wo['id']}/articles").status_code == 404
    assert dispatcher.get("/api/v1/work-orders/999999/articles").status_code == 404


# ---- a draft from a job ------------------------------------------------------------------------------


def _completed(dispatcher, technician, world, new_work_order) -> dict:
    wo = _assigned(
        dispatcher,
        world,
        new_work_order,
        title="Air conditioner blows warm air",
        description="Warm air from the vents since Monday",
        required_skills=["hvac", "electrical"],
    )
    url = f"/api/v1/work-orders/{wo['id']}"
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Capacitor replaced", "first_time_fix": True})
    assert done.status_code == 200, done.json
    return done.json


def test_a_draft_from_a_completed_job(dispatcher, technician, world, new_work_order, app):
    wo = _completed(dispatcher, technician, world, new_work_order)
    response = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/articles")
    assert response.status_code == 201, response.json
    article = response.json
    assert article["title"] == "Air conditioner blows warm air"
    assert article["symptoms"] == "Warm air from the vents since Monday"
    assert article["fix"] == "Capacitor replaced" and article["cause"] == ""
    assert sorted(article["skills"]) == ["electrical", "hvac"] and article["models"] == []
    assert article["published"] is False and article["source_work_order_id"] == wo["id"]
    assert _titles(dispatcher, "q=vents") == ["Air conditioner blows warm air"]
    assert _titles(technician, "q=vents") == []  # a draft until published


def test_a_draft_from_an_open_job_is_refused_and_nothing_is_written(dispatcher, world, new_work_order, app):
    wo = _assigned(dispatcher, world, new_work_order)
    response = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/articles")
    assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
    with app.app_context():
        assert db.session.query(Article).count() == 0


def test_roles(technician, dispatcher, client_for, world, library, new_work_order):
    assert technician.post(ARTICLES, json=LEAK).status_code == 403
    assert technician.patch(f"{ARTICLES}/{library['leak']['id']}", json={"published": False}).status_code == 403
    wo = _assigned(dispatcher, world, new_work_order)
    assert technician.post(f"/api/v1/work-orders/{wo['id']}/articles").status_code == 403
    assert client_for().get(ARTICLES).status_code == 401
    admin = client_for(world.admin_email)
    assert admin.post(ARTICLES, json={"title": "By the admin"}).status_code == 201
    assert _titles(admin, "published=false&q=admin") == ["By the admin"]
    assert dispatcher.patch(f"{ARTICLES}/999999", json={"title": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "symptoms": "x" * 10_001}, "symptoms"),
        ({"title": "ok", "fix": 5}, "fix"),
        ({"title": "ok", "skills": ["Not A Skill"]}, "skills"),
        ({"title": "ok", "skills": "hvac"}, "skills"),
        ({"title": "ok", "models": [""]}, "models"),
        ({"title": "ok", "models": ["x" * 101]}, "models"),
        ({"title": "ok", "published": "maybe"}, "published"),
        ({"title": "ok", "cause": "nul\x00"}, "cause"),
    ],
)
def test_validation_names_the_field_and_writes_nothing(dispatcher, app, body, field):
    response = dispatcher.post(ARTICLES, json=body)
    assert response.status_code == 422, response.json
    named = response.json["error"]["fields"]
    assert any(key == field or key.startswith(f"{field}.") for key in named), named  # skills.0: the item
    with app.app_context():
        assert db.session.query(Article).count() == 0


def test_a_bad_patch_changes_nothing(dispatcher, library):
    url = f"{ARTICLES}/{library['leak']['id']}"
    response = dispatcher.patch(url, json={"title": "New title", "models": [None]})
    assert response.status_code == 422 and "models.0" in response.json["error"]["fields"]
    assert dispatcher.patch(url, json={"title": None}).status_code == 422
    assert dispatcher.get(url).json["title"] == LEAK["title"]


def test_bad_query_parameters(dispatcher):
    assert dispatcher.get(f"{ARTICLES}?q=" + "x" * 201).status_code == 422
    assert dispatcher.get(f"{ARTICLES}?per_page=201").status_code == 422
    assert dispatcher.get(f"{ARTICLES}?published=perhaps").status_code == 422
