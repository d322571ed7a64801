"""Shared web pieces (templating, errors, i18n, headers) and the site-wide pages."""

from consult.web.pages import route_handlers

__all__ = ["route_handlers"]
