"""What the dispatcher's board counts beside its columns (domain/desk.py)."""

from __future__ import annotations

from apiflask import APIBlueprint

from ..domain.desk import board_counts
from ..extensions import db
from .common import now
from .schemas.board import BoardCountsOut
from .security import STAFF, roles_required

bp = APIBlueprint("board", __name__, url_prefix="/api/v1/board", tag="Board")


@bp.get("/counts")
@roles_required(*STAFF)
@bp.output(BoardCountsOut)
def counts():
    """Open complaints (and those past their resolve-by time) and follow-up calls due and overdue,
    read at each refresh of the board; each links to its filtered list on the console."""
    return board_counts(db.session, now())
