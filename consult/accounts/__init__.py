"""Accounts: sign-in, sessions, registration and role requests, the admin's people pages."""

from consult.accounts.pages import periodic, route_handlers

__all__ = ["periodic", "route_handlers"]
