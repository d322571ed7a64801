"""The intake feature's web routes."""

from consult.intake import pages

route_handlers = [*pages.route_handlers]
