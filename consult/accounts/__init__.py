"""Accounts: sign-in, sessions, registration and role requests, the admin's people pages."""

from consult.accounts import assist
from consult.accounts.pages import periodic
from consult.accounts.pages import route_handlers as _pages

route_handlers = [*_pages, *assist.route_handlers]

__all__ = ["periodic", "route_handlers"]
