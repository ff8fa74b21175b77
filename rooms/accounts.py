"""People who sign in, the branches they work in and what each may do there.

An organisation has branches; a person holds roles per branch. A membership without a branch is a
headquarters-level one: it counts in every branch. API keys are machine members: a named, scoped, revocable
credential with one role in one branch (or headquarters).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rooms.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106) defaults; immutable, so shared safely


class WorkspaceRole(enum.StrEnum):
    ADMIN = "admin"  # everything in its branch (headquarters: everything everywhere)
    HR = "hr"  # positions, candidates, decisions, reports, replays
    INTERVIEWER = "interviewer"  # the interviews they are assigned to
    VIEWER = "viewer"  # read-only: boards and reports


# Who may do what, by role: the one table every endpoint's check refers to.
READERS = (WorkspaceRole.ADMIN, WorkspaceRole.HR, WorkspaceRole.VIEWER)
MANAGERS = (WorkspaceRole.ADMIN, WorkspaceRole.HR)
ADMINS = (WorkspaceRole.ADMIN,)


def parse_role(value: Any) -> WorkspaceRole:
    try:
        return WorkspaceRole(value)
    except ValueError:
        raise InvalidInput("'role' must be one of admin, hr, interviewer, viewer") from None


def parse_email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise InvalidInput("'email' must be an email address")
    return value.strip().lower()


def check_password_rules(password: Any) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
DUMMY_HASH = _HASHER.hash("not a password anyone has")


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    name: str
    created_at: float

    def to_public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": self.created_at}


@dataclass(frozen=True, slots=True)
class Membership:
    branch_id: str | None  # None: headquarters, every branch
    role: WorkspaceRole

    def to_public(self) -> dict[str, Any]:
        return {"branch_id": self.branch_id, "role": self.role.value}


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    email: str
    name: str
    created_at: float
    memberships: tuple[Membership, ...] = ()
    disabled: bool = False

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "created_at": self.created_at,
            "disabled": self.disabled,
            "memberships": [m.to_public() for m in self.memberships],
        }


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: WorkspaceRole
    branch_id: str | None
    created_at: float
    created_by: str
    last_used_at: float | None = None
    revoked_at: float | None = None

    def to_public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "branch_id": self.branch_id,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True, slots=True)
class Access:
    """Who is asking (a signed-in person or an API key) and the roles they hold where."""

    subject_id: str  # the person's id, or "key:<id>"
    label: str  # a name for activity logs: the person's name/email or the key's name
    memberships: tuple[Membership, ...]
    is_person: bool = True

    def roles_in(self, branch_id: str | None) -> set[WorkspaceRole]:
        """The roles held in a branch (None: headquarters-level roles only)."""
        return {m.role for m in self.memberships if m.branch_id is None or m.branch_id == branch_id}

    def can(self, branch_id: str | None, *roles: WorkspaceRole) -> bool:
        return bool(self.roles_in(branch_id) & set(roles))

    def is_hq_admin(self) -> bool:
        return self.can(None, WorkspaceRole.ADMIN)

    def branches_with(self, *roles: WorkspaceRole) -> set[str] | None:
        """The branches where one of `roles` is held; None means every branch (a headquarters membership)."""
        wanted = set(roles)
        found: set[str] = set()
        for m in self.memberships:
            if m.role in wanted:
                if m.branch_id is None:
                    return None
                found.add(m.branch_id)
        return found
