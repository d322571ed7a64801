"""One table for every photo, whatever it is attached to (``owner_type`` + ``owner_id``).

One table rather than one per owner: the count rule, the store, the serving route and its
visibility check are written once, and a new owner (a department's reply on a work order)
needs a line in ``consult.photos.owners``, not a migration. The price is no foreign key to
the owner: the serving route looks the owner up (``owners.OWNER_VISIBLE``) and a photo whose
owner is missing or hidden is not served. The index on (owner_type, owner_id) is raw SQL in
``photos_0002_index``.
"""

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User


class Photo(Table):
    id = Serial(primary_key=True)
    owner_type = Varchar(length=20)  # consult.photos.owners.OwnerType
    owner_id = Integer()
    kind = Varchar(length=10, default="")  # "" (a photo), "before", "after" (a progress report)
    position = Integer(default=0)  # order within the owner
    digest = Varchar(length=64)  # SHA-256 of the stored large image: its name in the store
    width = Integer()
    height = Integer()
    uploaded_by = ForeignKey(references=User)
    created_at = Timestamptz(default=TimestamptzNow())
    hidden = Boolean(default=False)  # withdrawn by moderation: never served again


TABLES = [Photo]
