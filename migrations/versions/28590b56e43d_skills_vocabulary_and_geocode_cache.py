"""skills vocabulary (codes with English and Chinese names, and their change trail), every skill code
already in use turned into a vocabulary row; the geocoder's cache

Revision ID: 28590b56e43d
Revises: 5e0c3b8a1d76
Create Date: 2026-12-01 10:30:00

"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "28590b56e43d"
down_revision = "5e0c3b8a1d76"
branch_labels = None
depends_on = None

# Names for the codes the demo city and the early installs used; any other code is named by itself
# until someone renames it. (A copy, not an import: a migration must not change with the code.)
KNOWN_NAMES = {
    "hvac": ("HVAC", "暖通空调"),
    "electrical": ("Electrical", "电气"),
    "plumbing": ("Plumbing", "水暖管道"),
    "refrigeration": ("Refrigeration", "制冷"),
    "elevators": ("Elevators", "电梯"),
    "boilers": ("Boilers", "锅炉"),
    "fire_safety": ("Fire safety", "消防"),
    "it_network": ("IT and network", "IT 网络"),
}

# Where skill codes are held today: (table, JSON list column).
HOLDERS = (("technicians", "skills"), ("work_orders", "required_skills"), ("articles", "skills"))


def upgrade():
    skills = op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "skill_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint("action IN ('created', 'updated')", name="ck_skill_changes_action"),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_skill_changes_skill", "skill_changes", ["skill_id", "id"])
    op.create_table(
        "geocode_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_geocode_cache_expires_at", "geocode_cache", ["expires_at"])

    bind = op.get_bind()
    codes = set()
    for table, column in HOLDERS:
        # Distinct lists as text: PostgreSQL's json type has no equality for DISTINCT.
        for (held,) in bind.execute(sa.text(f"SELECT DISTINCT CAST({column} AS TEXT) FROM {table}")):
            codes.update(code for code in json.loads(held or "[]") if isinstance(code, str) and code)
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as UTC text without an offset, as UTCDateTime does
    op.bulk_insert(
        skills,
        [
            {
                "code": code,
                "name_en": KNOWN_NAMES.get(code, (code, code))[0],
                "name_zh": KNOWN_NAMES.get(code, (code, code))[1],
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for code in sorted(codes)
        ],
    )


def downgrade():
    op.drop_index("ix_geocode_cache_expires_at", table_name="geocode_cache")
    op.drop_table("geocode_cache")
    op.drop_index("ix_skill_changes_skill", table_name="skill_changes")
    op.drop_table("skill_changes")
    op.drop_table("skills")
