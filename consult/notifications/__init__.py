"""In-app notifications (居民通知) and staff announcements."""
