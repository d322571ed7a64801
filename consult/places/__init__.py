"""Places: the tree (district → street → community → grid → building), departments,
the settings each place inherits, and the install's first-run setup.

Kept empty on purpose: the accounts, topics and voting tables import
consult.places.tables, so importing the package must not pull in any web code. The
route handlers are listed in consult.places.routes."""
