"""Who is asking, and guards that check their roles.

Guards answer only "who is this and which roles do they hold"; which action is
legal in which state is each feature's domain question.
"""

from __future__ import annotations

import time

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from consult.accounts.domain import Viewer

VIEWER_KEY = "consult.viewer"
ANONYMOUS = Viewer()


class SignInRequired(NotAuthorizedException):
    """A visitor tried something that needs an account: send them to sign in and back."""


class RoleRequired(PermissionDeniedException):
    def __init__(self, roles: tuple[str, ...], reason: str = "role"):
        super().__init__(detail="role required")
        self.roles = roles
        self.reason = reason  # role | unverified | password


def viewer_of(connection: ASGIConnection) -> Viewer:
    return connection.scope.get(VIEWER_KEY) or ANONYMOUS  # type: ignore[call-overload]


def requires(*roles: str):
    """Guard: signed in, password not pending a change, and holding one of `roles` (any role if none given)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        viewer = viewer_of(connection)
        if not viewer.signed_in:
            raise SignInRequired()
        if viewer.must_change_password:
            raise RoleRequired(roles, reason="password")
        if roles and not viewer.has(*roles):
            raise RoleRequired(roles, reason="unverified" if not viewer.verified else "role")

    guard.__name__ = "requires_" + "_".join(roles or ("signed_in",))
    return guard


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard for pages an unverified account may use (account, role requests, sign-out)."""
    if not viewer_of(connection).signed_in:
        raise SignInRequired()


SEEN_EVERY = 60  # seconds between writes of a session's last-seen time (the idle timeout)
_seen_marked: dict[tuple, int] = {}


def _first_to_mark_seen(key: tuple, now: int) -> bool:
    """True for the first request of a session in this process to note it as seen this
    minute. Every request already in flight loaded the same old time: without this, all
    of them wrote the session at once (32 writes, each a commit, every minute under load:
    the slowest 1 % of requests took 250 ms instead of 80)."""
    if _seen_marked.get(key, 0) > now - SEEN_EVERY:
        return False
    if len(_seen_marked) > 10_000:
        for old in [k for k, t in _seen_marked.items() if t <= now - SEEN_EVERY]:
            del _seen_marked[old]
    _seen_marked[key] = now
    return True


class ViewerMiddleware:
    """Loads the signed-in user once per request; enforces idle and absolute session timeouts."""

    def __init__(self, app: ASGIApp, idle_seconds: int, absolute_seconds: int) -> None:
        self.app = app
        self.idle = idle_seconds
        self.absolute = absolute_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session = scope.get("session")
            if isinstance(session, dict) and session.get("uid"):
                now = int(time.time())
                created = int(session.get("created", 0))
                seen = int(session.get("seen", 0))
                viewer = None
                if now - created <= self.absolute and now - seen <= self.idle:
                    from consult.accounts.services import load_viewer

                    viewer = await load_viewer(int(session["uid"]))
                if viewer is not None and int(session.get("epoch", 0)) != viewer.session_epoch:
                    viewer = None  # signed in before a password change: ended
                if viewer is None:
                    session.clear()
                else:
                    scope[VIEWER_KEY] = viewer  # type: ignore[typeddict-unknown-key]
                    if now - seen > SEEN_EVERY and _first_to_mark_seen((session["uid"], created), now):
                        session["seen"] = now
        await self.app(scope, receive, send)


def viewer_middleware(idle_seconds: int, absolute_seconds: int):
    from litestar.middleware import DefineMiddleware

    return DefineMiddleware(ViewerMiddleware, idle_seconds=idle_seconds, absolute_seconds=absolute_seconds)
