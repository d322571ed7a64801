"""The places feature's web routes (kept out of consult.places.__init__, which the tables
import): the administrator's tree, departments, categories and first-run setup."""

from consult.places import lists, pages, setup_pages
from consult.places.setup_pages import setup_gate

route_handlers = [*pages.route_handlers, *lists.route_handlers, *setup_pages.route_handlers]

__all__ = ["route_handlers", "setup_gate"]
