"""Photos attached to content (a proposal, a progress report, a supervision note; later a
department's reply): re-encoded with Pillow, kept by content hash in a ``PhotoStore``,
served through ``consult.photos.routes`` after a visibility check.

This package's ``__init__`` stays free of web imports: the tables import it.
"""
