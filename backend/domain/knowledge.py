"""The knowledge base: write articles, search them, and suggest the ones likely to help with a job.

Search finds text anywhere in an article (title, symptoms, cause, fix), in Chinese as in English.
A Chinese query has no spaces between words, so matching is by substring, sped up by trigram
indexes: SQLite's FTS5 `trigram` tokenizer, PostgreSQL's `pg_trgm` (see models/knowledge.py). A
trigram index cannot answer a term shorter than three characters ("漏水"): on SQLite such a term
is looked up with LIKE; on PostgreSQL ILIKE serves every term (pg_trgm answers what it can from
the index and the rest by reading rows). A query of several words (split at spaces) asks for all
of them.

Suggestions for a job rank by a score anyone can check (see `SCORE`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, String, case, cast, false, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from ..models import WorkOrder
from ..models.knowledge import FTS_TABLE, Article, search_text
from .errors import Conflict, NotFound
from .workflow import ACTIVITIES

TRIGRAM = 3  # the shortest term a trigram index can look up
MAX_QUERY_TERMS = 8
# Suggestions: points per skill the job needs that the article covers, per equipment model named
# by both, per word of the job found in the article's title, and per word found elsewhere in it.
SCORE = {"skill": 3, "model": 4, "title_term": 2, "text_term": 1}
SUGGESTION_LIMIT = 10
SUGGESTION_CANDIDATES = 300  # read at most this many matching articles (newest first) to score
MAX_JOB_TERMS = 30
# English words too common to tell one fault from another.
_COMMON_WORDS = (
    "the and for with not but are was were has have had this that from into over under after before when then "
    "than its there their they them our you your can cannot does did done all any some very too out off "
    "one two been being will would should could also just only unit"
)
STOPWORDS = frozenset(_COMMON_WORDS.split())
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


# ---- writing -------------------------------------------------------------------------------------


def create_article(session: Session, data: dict, author_id: int | None, now: datetime) -> Article:
    """A new article (a draft unless `published` is given true)."""
    article = Article(
        title=data["title"].strip(),
        symptoms=data.get("symptoms") or "",
        cause=data.get("cause") or "",
        fix=data.get("fix") or "",
        skills=_unique(data.get("skills") or []),
        models=_unique(model.strip() for model in data.get("models") or []),
        published=bool(data.get("published", False)),
        created_by_id=author_id,
        created_at=now,
        updated_at=now,
        source_work_order_id=data.get("source_work_order_id"),
    )
    session.add(article)
    session.flush()
    return article


def update_article(session: Session, article_id: int, changes: dict, now: datetime) -> Article:
    """Change the given fields (publishing is `published: true`); `updated_at` moves only on a change."""
    article = get_article(session, article_id, include_drafts=True)
    cleaned = {key: value for key, value in changes.items() if value is not None}
    if "title" in cleaned:
        cleaned["title"] = cleaned["title"].strip()
    for name in ("skills", "models"):
        if name in cleaned:
            cleaned[name] = _unique(item.strip() for item in cleaned[name])
    changed = False
    for name, value in cleaned.items():
        if getattr(article, name) != value:
            setattr(article, name, value)
            changed = True
    if changed:
        article.updated_at = now
        session.flush()
    return article


def draft_from_work_order(session: Session, wo: WorkOrder, author_id: int | None, now: datetime) -> Article:
    """A draft article from a resolved job: what the customer reported becomes the symptoms, what the
    technician did the fix, the job's required skills the article's. The cause is left for the editor."""
    if wo.status not in ACTIVITIES["draft_article"].statuses:
        raise Conflict(f"Only a completed or closed job can become an article; {wo.number} is {wo.status}.")
    data = {
        "title": wo.title,
        "symptoms": wo.description or "",
        "fix": wo.resolution or "",
        "skills": list(wo.required_skills or []),
        "source_work_order_id": wo.id,
    }
    return create_article(session, data, author_id, now)


def get_article(session: Session, article_id: int, include_drafts: bool) -> Article:
    article = session.get(Article, article_id)
    if article is None or not (include_drafts or article.published):
        raise NotFound(f"Article {article_id} not found.")
    return article


# ---- search --------------------------------------------------------------------------------------


def article_query(
    session: Session,
    *,
    q: str | None = None,
    skills: list[str] | None = None,
    model: str | None = None,
    include_drafts: bool = False,
) -> Select:
    """Articles matching every word of `q`, covering any of `skills`, for equipment `model`;
    the ones whose title holds the whole query first, then the most recently updated."""
    query = select(Article)
    if not include_drafts:
        query = query.where(Article.published.is_(True))
    terms = query_terms(q)
    if terms:
        query = query.where(*text_conditions(session, terms))
    if skills is not None:
        query = query.where(or_(false(), *(json_list_holds(Article.skills, skill) for skill in skills)))
    if model:
        query = query.where(json_list_holds(Article.models, model))
    order = [Article.updated_at.desc(), Article.id.desc()]
    if terms:
        order.insert(0, case((Article.title.ilike(_like(" ".join(terms)), escape="\\"), 0), else_=1))
    return query.order_by(*order)


def query_terms(q: str | None) -> list[str]:
    """The words of a query (split at spaces), each one sought as a substring."""
    return _unique(term.lower() for term in (q or "").split())[:MAX_QUERY_TERMS]


def text_conditions(session: Session, terms: list[str]) -> list:
    """One condition per term: the article's text holds it (case-insensitively)."""
    if _dialect(session) != "sqlite":
        return [search_text().ilike(_like(term), escape="\\") for term in terms]
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    conditions = [search_text().ilike(_like(term), escape="\\") for term in terms if len(term) < TRIGRAM]
    if long_terms:
        conditions.append(Article.id.in_(_fts_rowids(" AND ".join(_fts_phrase(term) for term in long_terms))))
    return conditions


def _fts_rowids(match: str) -> Select:
    fts = table(FTS_TABLE, literal_column("rowid"))
    return select(literal_column("rowid")).select_from(fts).where(literal_column(FTS_TABLE).op("MATCH")(match))


def _fts_phrase(term: str) -> str:
    """A term as an FTS5 string: quoted, so that its characters are text, not query syntax."""
    return '"' + term.replace('"', '""') + '"'


def json_list_holds(column, value: str):
    """The JSON list in `column` has `value` as an element, case-insensitively. Read from the list's
    JSON text, which both databases hold as json.dumps wrote it (quoted, non-ASCII escaped), so one
    portable LIKE serves where the JSON operators differ."""
    return func.lower(cast(column, String)).like(_like(json.dumps(value.strip().lower())), escape="\\")


# ---- suggestions ---------------------------------------------------------------------------------


@dataclass
class Suggestion:
    article: Article
    score: int = 0
    skills: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> dict:
        return {"skills": self.skills, "models": self.models, "terms": self.terms}


def suggest_for_work_order(session: Session, wo: WorkOrder, model: str | None = None) -> list[Suggestion]:
    return suggest_articles(
        session, text=f"{wo.title}\n{wo.description or ''}", skills=wo.required_skills or [], model=model
    )


def suggest_articles(
    session: Session, *, text: str, skills: list[str], model: str | None = None, limit: int = SUGGESTION_LIMIT
) -> list[Suggestion]:
    """Published articles likely to help with a job described by `text`, needing `skills`, on
    equipment `model` (if known), best first. An article must share some words or a model with
    the job: a skill alone matches too many to help."""
    terms = job_terms(text)
    if not terms and not model:
        return []
    conditions = [search_text().ilike(_like(term), escape="\\") for term in terms]
    # A model named in the job's text: sought in the models' JSON text, where non-ASCII is escaped.
    models_text = func.lower(cast(Article.models, String))
    conditions += [models_text.like(_like(json.dumps(term)[1:-1]), escape="\\") for term in terms]
    if model:
        conditions.append(json_list_holds(Article.models, model))
    candidates = session.scalars(
        select(Article)
        .where(Article.published.is_(True), or_(*conditions))
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .limit(SUGGESTION_CANDIDATES)
    ).all()
    scored = [score_article(article, terms, text, skills, model) for article in candidates]
    relevant = [s for s in scored if s.terms or s.models]
    relevant.sort(key=lambda s: (-s.score, -s.article.updated_at.timestamp(), -s.article.id))
    return relevant[:limit]


def score_article(article: Article, terms: list[str], text: str, skills: list[str], model: str | None) -> Suggestion:
    """SCORE's points for one article, with what earned them."""
    suggestion = Suggestion(article)
    suggestion.skills = [skill for skill in article.skills if skill in set(skills)]
    job_text = text.lower()
    wanted = (model or "").strip().lower()
    suggestion.models = [m for m in article.models if m.lower() == wanted or (m and m.lower() in job_text)]
    title = article.title.lower()
    body = " ".join((article.symptoms, article.cause, article.fix)).lower()
    in_title = [term for term in terms if term in title]
    in_body = [term for term in terms if term not in title and term in body]
    suggestion.terms = in_title + in_body
    suggestion.score = (
        SCORE["skill"] * len(suggestion.skills)
        + SCORE["model"] * len(suggestion.models)
        + SCORE["title_term"] * len(in_title)
        + SCORE["text_term"] * len(in_body)
    )
    return suggestion


def job_terms(text: str) -> list[str]:
    """The words of a job's text that say something: English words of three letters or more (not
    the commonest), and every pair of neighbouring characters of a Chinese run (Chinese words are
    mostly two characters, and nothing marks where one ends)."""
    terms = []
    for word in _WORD.findall(text.lower()):
        if _CJK.match(word):
            terms += [word[i : i + 2] for i in range(len(word) - 1)]
        elif len(word) >= TRIGRAM and word not in STOPWORDS:
            terms.append(word)
    return _unique(terms)[:MAX_JOB_TERMS]


# ---- helpers -------------------------------------------------------------------------------------


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and \\ taken literally (escape "\\")."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _unique(items) -> list:
    seen = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
