"""The work-order feature's web routes and background job (kept out of
consult.workorders.__init__, which the tables import)."""

from consult.workorders import member_pages, pages, review_pages, scoreboard_pages
from consult.workorders.escalation import escalate_missed_acknowledgements
from consult.workorders.unrated import close_unrated_orders

route_handlers = [*pages.route_handlers, *member_pages.route_handlers, *review_pages.route_handlers,
                  *scoreboard_pages.route_handlers]

# (seconds, job): a missed 签收 goes to the level above, and a reply never rated within the
# evaluation window closes, decided in the background.
periodic = [(60, escalate_missed_acknowledgements), (300, close_unrated_orders)]
