"""The knowledge base: diagnostic articles (symptoms, cause, fix), drafted by hand or from a resolved job.

Search reads a trigram index the database keeps itself, beside the table: on SQLite an FTS5 table
(`articles_fts`, tokenizer `trigram`, kept in step by triggers), on PostgreSQL a GIN `pg_trgm` index
over the concatenated text (`SEARCH_TEXT_SQL`). Both are made by the migration, not by the model.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

# The text search looks through, as one SQL expression. PostgreSQL's trigram index is built on
# exactly this expression, so a query must use it verbatim for the planner to pick the index.
SEARCH_TEXT_SQL = "(articles.title || ' ' || articles.symptoms || ' ' || articles.cause || ' ' || articles.fix)"
# SQLite's FTS5 table and the shadow tables FTS5 keeps for it (articles_fts_data, _idx, ...):
# the database's own bookkeeping, which the models do not describe.
FTS_TABLE = "articles_fts"
TRIGRAM_INDEX = "ix_articles_search_trgm"


def is_search_index_table(name: str) -> bool:
    """A table SQLite keeps for the article search."""
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


def outside_the_models(name: str | None, type_: str) -> bool:
    """The search index's tables and index, which the migration makes and the models do not describe:
    schema comparisons (Alembic's `include_name`) leave them out rather than propose dropping them."""
    return (type_ == "table" and is_search_index_table(name or "")) or (type_ == "index" and name == TRIGRAM_INDEX)


class Article(db.Model):
    """One article. `skills` are skill codes, `models` equipment model names (both JSON lists);
    a draft (`published` false) is seen by dispatchers and admins only."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_published_updated", "published", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    symptoms: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    fix: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="SET NULL"))


def search_text():
    """`SEARCH_TEXT_SQL` as a SQLAlchemy expression (literal, so that no bound parameters change it)."""
    return literal_column(SEARCH_TEXT_SQL)
