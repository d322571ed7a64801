"""In-app notifications (居民通知) and staff announcements."""

from consult.notifications.pages import route_handlers

__all__ = ["route_handlers"]
