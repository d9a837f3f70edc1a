"""The knowledge base: articles (search, write, publish), a job's suggested articles, a draft from a job."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user

from ..domain.knowledge import (
    article_query,
    create_article,
    draft_from_work_order,
    get_article,
    suggest_for_work_order,
    update_article,
)
from ..extensions import db
from ..models import Article
from .common import actor, get_work_order, now, paginate
from .schemas.knowledge import (
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleQuery,
    SuggestionPage,
    SuggestionQuery,
    article_dict,
)
from .schemas.lists import whole_list
from .security import ANY_ROLE, STAFF, roles_required
from .skills import resolve_skills, skill_code

bp = APIBlueprint("knowledge", __name__, url_prefix="/api/v1", tag="Knowledge base")


def _is_staff() -> bool:
    return current_user.role in STAFF


def _skills_filter(query_data) -> list[str] | None:
    """The skills asked for: `skill`, and with `my_skills` the technician's own (none: nothing)."""
    skills = [skill_code(query_data["skill"])] if query_data.get("skill") else None
    if query_data.get("my_skills") and current_user.role == "technician":
        technician = current_user.technician
        mine = list(technician.skills or []) if technician is not None else []
        skills = [s for s in mine if skills is None or s in skills]
    return skills


@bp.get("/articles")
@roles_required(*ANY_ROLE)
@bp.input(ArticleQuery, location="query")
@bp.output(ArticlePage)
def list_articles(query_data):
    """Search the knowledge base: every word of `q` anywhere in title, symptoms, cause or fix (Chinese
    or English, any substring), by skill and equipment model. Technicians see published articles only."""
    query = article_query(
        db.session,
        q=query_data.get("q"),
        skills=_skills_filter(query_data),
        model=query_data.get("model"),
        include_drafts=_is_staff(),
    )
    if _is_staff() and query_data.get("published") is not None:
        query = query.where(Article.published.is_(query_data["published"]))
    page = paginate(query, query_data["page"], query_data["per_page"])
    page["items"] = [article_dict(article) for article in page["items"]]
    return page


@bp.get("/articles/<int:article_id>")
@roles_required(*ANY_ROLE)
@bp.output(ArticleOut)
def get(article_id):
    """One article (a draft: dispatchers and admins only)."""
    return article_dict(get_article(db.session, article_id, include_drafts=_is_staff()))


@bp.post("/articles")
@roles_required(*STAFF)
@bp.input(ArticleIn)
@bp.output(ArticleOut, status_code=201)
def create(json_data):
    """Write an article (a draft unless `published` is true)."""
    resolve_skills(json_data, "skills")
    return article_dict(create_article(db.session, json_data, actor().user_id, now()))


@bp.patch("/articles/<int:article_id>")
@roles_required(*STAFF)
@bp.input(ArticlePatch)
@bp.output(ArticleOut)
def update(article_id, json_data):
    """Edit an article; `published: true` publishes it, `false` takes it back to a draft."""
    resolve_skills(json_data, "skills")
    return article_dict(update_article(db.session, article_id, json_data, now()))


@bp.get("/work-orders/<int:work_order_id>/articles")
@roles_required(*ANY_ROLE)
@bp.input(SuggestionQuery, location="query")
@bp.output(SuggestionPage)
def suggestions(work_order_id, query_data):
    """The published articles most likely to help with this job, best first: by the words of its
    title and description, its required skills and its equipment model (a technician: own jobs only)."""
    wo = get_work_order(work_order_id)
    found = suggest_for_work_order(db.session, wo, model=query_data.get("model"))
    items = [{**article_dict(s.article), "score": s.score, "reasons": s.reasons} for s in found]
    return whole_list(items)


@bp.post("/work-orders/<int:work_order_id>/articles")
@roles_required(*STAFF)
@bp.output(ArticleOut, status_code=201)
@bp.doc(responses={409: "The job is not completed or closed"})
def draft_from_job(work_order_id):
    """A draft article from a resolved job: symptoms from its description, fix from its resolution,
    skills from its required skills (409 unless the job is completed or closed)."""
    wo = get_work_order(work_order_id)
    return article_dict(draft_from_work_order(db.session, wo, actor().user_id, now()))
