"""The meetings feature's web routes (kept out of consult.meetings.__init__, which the tables import)."""

from consult.meetings import pages

route_handlers = [*pages.route_handlers]
