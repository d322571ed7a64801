"""Notifications tables: per-user notifications, per-kind preferences, staff announcements.

Indexes on (user, read_at), (user, id) and (announcement), and the unique (user, kind)
of preferences, are raw SQL in the second migration (composite indexes)."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar, Boolean
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User


class Announcement(Table):
    """A staff announcement; each recipient gets a Notification pointing at it."""

    id = Serial(primary_key=True)
    sender = ForeignKey(references=User)
    title = Varchar(length=80)
    body = Text()
    target = JSON(default="{}")  # {"grids": [ids], "role": str | null, "everyone": bool}
    recipient_count = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Notification(Table):
    """One in-app notification for one user. `message` is an English template (marked N_
    where it is written) translated when shown; `params` fill its {placeholders}."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User)
    kind = Varchar(length=20)
    message = Varchar(length=300)
    params = JSON(default="{}")
    link = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
    announcement = ForeignKey(references=Announcement, null=True)


class NotificationPreference(Table):
    """A user's choice for one kind; no row means the kind is on."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=User)
    kind = Varchar(length=20)
    enabled = Boolean(default=True)
