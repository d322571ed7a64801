"""The public data dashboard (数据驱动分析): the page and /api/v1/stats."""

import consult.dashboard.api as api
import consult.dashboard.pages as pages

route_handlers = [*pages.route_handlers, *api.route_handlers]
