"""knowledge base: articles, with a trigram search index (SQLite FTS5 trigram, PostgreSQL pg_trgm)

Revision ID: 7a4f2c9e1b58
Revises: 4e8b1c7d2a95
Create Date: 2026-12-14 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a4f2c9e1b58"
down_revision = "4e8b1c7d2a95"
branch_labels = None
depends_on = None

# The same expression as backend/models/knowledge.py SEARCH_TEXT_SQL (a migration keeps its own copy).
SEARCH_TEXT = "(title || ' ' || symptoms || ' ' || cause || ' ' || fix)"
FTS_COLUMNS = "title, symptoms, cause, fix"
FTS_NEW = "new.title, new.symptoms, new.cause, new.fix"
FTS_OLD = "old.title, old.symptoms, old.cause, old.fix"

SQLITE_SEARCH_INDEX = [
    # An external-content FTS5 table: it stores only the trigram index, the text stays in articles.
    f"CREATE VIRTUAL TABLE articles_fts USING fts5({FTS_COLUMNS}, content='articles', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    f"INSERT INTO articles_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {FTS_NEW}); END",
    f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {FTS_OLD}); END",
    f"CREATE TRIGGER articles_fts_update AFTER UPDATE OF {FTS_COLUMNS} ON articles BEGIN "
    f"INSERT INTO articles_fts(articles_fts, rowid, {FTS_COLUMNS}) VALUES ('delete', old.id, {FTS_OLD}); "
    f"INSERT INTO articles_fts(rowid, {FTS_COLUMNS}) VALUES (new.id, {FTS_NEW}); END",
]


def upgrade():
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("fix", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_work_order_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_work_order_id"], ["work_orders.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_articles_published_updated", "articles", ["published", "updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX ix_articles_search_trgm ON articles USING gin ({SEARCH_TEXT} gin_trgm_ops)")
    else:
        for statement in SQLITE_SEARCH_INDEX:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search_trgm")  # the extension stays: others may use it
    else:
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    op.drop_index("ix_articles_published_updated", table_name="articles")
    op.drop_table("articles")
