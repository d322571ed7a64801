"""The home page (what is happening now) and the task view of committee, staff and representatives."""

from consult.home.pages import route_handlers

__all__ = ["route_handlers"]
