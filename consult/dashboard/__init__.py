"""The public data dashboard (数据驱动分析), /api/v1/stats and the topic list as CSV."""

from consult.dashboard.controllers import route_handlers

__all__ = ["route_handlers"]
