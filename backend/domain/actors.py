"""Who acts on a work order: a logged-in user, the system, the scheduler, or a customer via a link."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import User


@dataclass(frozen=True)
class Actor:
    kind: str  # one of models.ACTOR_KINDS
    user: User | None = None

    @property
    def role(self) -> str:
        """The role the action table knows: a user's role, or the actor kind for the others."""
        return self.user.role if self.kind == "user" and self.user else self.kind

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls("user", user)

    @classmethod
    def system(cls, on_behalf_of: User | None = None) -> Actor:
        return cls("system", on_behalf_of)

    @classmethod
    def customer(cls) -> Actor:
        return cls("customer")

    @classmethod
    def scheduler(cls) -> Actor:
        return cls("scheduler")
