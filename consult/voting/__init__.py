"""The annual vote: weighted secret-ballot votes of the representatives (SPEC §4).

Modules by concept: `domain` (states, who may, receipts, roll and ballot rules),
`forms` (staff forms), `election`/`counting`/`majority` and `equal_shares`
(`shares_instance`, `shares_run`) for the exact count, `queries` (reads; the only cache),
`commands` (writes: staff steps, ballots, reviews), `presentation` (plain words
and figures), `pages`, `staff` and `api` (the web).
"""

import consult.voting.api as api
import consult.voting.desk_pages as desk_pages
import consult.voting.pages as pages
import consult.voting.staff as staff

route_handlers = [*pages.route_handlers, *staff.route_handlers, *desk_pages.route_handlers, *api.route_handlers]
