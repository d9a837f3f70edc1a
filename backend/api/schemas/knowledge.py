"""The knowledge base: articles, their search and a job's suggested articles."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, List
from apiflask.validators import Length

from ...domain.knowledge import (
    SCORE,
)
from ...models import Article
from .common import Integer, String, Timestamp, name_text, skills_field, text
from .lists import PageQuery, page_of, search_text

LONG_TEXT = 10_000


MODEL_NAME = 100


def _models_field(**kwargs) -> List:
    return List(name_text(MODEL_NAME), validate=Length(max=50), **kwargs)


class ArticleIn(Schema):
    title = name_text(200, required=True)
    symptoms = text(LONG_TEXT, metadata={"description": "what the customer or technician sees"})
    cause = text(LONG_TEXT)
    fix = text(LONG_TEXT)
    skills = skills_field(metadata={"description": "skill codes the article is for"})
    models = _models_field(metadata={"description": "equipment model names the article is for"})
    published = Boolean(metadata={"description": "false (default): a draft, seen by dispatchers and admins only"})


class ArticlePatch(Schema):
    title = name_text(200)
    symptoms = text(LONG_TEXT)
    cause = text(LONG_TEXT)
    fix = text(LONG_TEXT)
    skills = skills_field()
    models = _models_field()
    published = Boolean()


class ArticleOut(Schema):
    id = Integer()
    title = String()
    symptoms = String()
    cause = String()
    fix = String()
    skills = List(String())
    models = List(String())
    published = Boolean()
    created_at = Timestamp()
    updated_at = Timestamp()
    created_by_id = Integer(allow_none=True)
    source_work_order_id = Integer(allow_none=True, metadata={"description": "the job it was drafted from"})


class ArticleQuery(PageQuery):
    q = search_text("words found anywhere in the text (all of them)")
    skill = String(validate=Length(max=40), metadata={"description": "a skill code the article is for"})
    model = String(validate=Length(max=MODEL_NAME), metadata={"description": "an equipment model name"})
    my_skills = Boolean(metadata={"description": "technicians: only articles for their own skills (offline copy)"})
    published = Boolean(metadata={"description": "dispatchers and admins: only published (true) or drafts (false)"})


class SuggestionOut(ArticleOut):
    score = Integer(metadata={"description": "points: " + ", ".join(f"{k} {v}" for k, v in SCORE.items())})
    reasons = Dict(metadata={"description": "what earned the points: skills, models and terms shared with the job"})


class SuggestionQuery(Schema):
    model = String(validate=Length(max=MODEL_NAME), metadata={"description": "the job's equipment model, if known"})


ArticlePage = page_of(ArticleOut, "ArticlePage")


SuggestionPage = page_of(SuggestionOut, "SuggestionPage")


def article_dict(article: Article) -> dict:
    return {name: getattr(article, name) for name in ArticleOut._declared_fields}
