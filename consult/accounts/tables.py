"""Accounts tables: categories, users, roles, role requests, audit log, sessions (places:
consult.places.tables)."""

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    ForeignKey,
    BigInt,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.places.tables import Place


class Category(Table):
    """Topic categories: an editable list with a Chinese and an English name."""

    id = Serial(primary_key=True)
    slug = Varchar(length=40, unique=True)
    name_zh = Varchar(length=40)
    name_en = Varchar(length=60)
    position = Integer(default=0)
    active = Boolean(default=True)


class User(Table, tablename="account"):
    id = Serial(primary_key=True)
    username = Varchar(length=32, unique=True)
    display_name = Varchar(length=40)
    password_hash = Varchar(length=255)
    grid = ForeignKey(references=Place, null=True)  # the grid (a place of kind grid) they live in
    residency_verified = Boolean(default=False)
    must_change_password = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    # Bumped by a password change: a session remembers the value it was signed in under,
    # and one with an older value is no longer valid (every other session ends at once).
    session_epoch = Integer(default=0)
    # Staff declined the registration (residency not confirmed): the reason the newcomer
    # reads; cleared when they ask again or are verified.
    declined_at = Timestamptz(null=True, default=None)
    declined_reason = Text(default="")


class UserRole(Table):
    """One row per (user, role); uniqueness is a raw unique index in the migration. The
    role reaches ``place`` and everything below it; NULL is the whole install (an
    administrator's grant)."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User)
    role = Varchar(length=20)
    place = ForeignKey(references=Place, null=True)
    granted_by = ForeignKey(references=User, null=True)
    granted_at = Timestamptz(default=TimestamptzNow())


class RoleRequest(Table):
    id = Serial(primary_key=True)
    user = ForeignKey(references=User)
    role = Varchar(length=20)
    note = Text(default="")
    status = Varchar(length=10, default="pending")  # pending, granted, declined
    created_at = Timestamptz(default=TimestamptzNow())
    decided_by = ForeignKey(references=User, null=True)
    decided_at = Timestamptz(null=True, default=None)


class AuditEntry(Table):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    id = Serial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True)
    action = Varchar(length=60)
    target_type = Varchar(length=40, default="")
    target_id = Varchar(length=40, default="")
    detail = JSON(default="{}")


class LoginCounter(Table):
    """Sign-in attempts per account and per address in the current window, counted by one
    atomic upsert before the password is checked (`consult.accounts.limits`)."""

    key = Varchar(length=200, primary_key=True)
    n = Integer(default=0)
    window_ends = BigInt(default=0)  # Unix seconds


class SessionRecord(Table):
    """Server-side store (sessions, sign-in failure counters) shared by all workers."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None)
