"""Voting tables: votes, candidates, the roll, participation, ballots, year-end reviews.

Weights are stored as integer hundredths (`weight_cents`): exact on SQLite and
PostgreSQL alike (Piccolo passes SQLite NUMERIC values through float) and summable in SQL.

Secret ballots (see `commands.cast_ballot`): a `Ballot` row holds no voter, no
timestamp and no sequential id. Its primary key is a random integer chosen at insert
(on SQLite an INTEGER PRIMARY KEY *is* the rowid, so no hidden sequential rowid
remains), and every list of ballots is ordered by receipt code, which is random.
Who has voted lives apart, in `Participation`, with a unique index on (vote, "user").

That was not enough: the ballot and participation rows of one cast are written in one
transaction, so the file itself links them (PostgreSQL: the same `xmin`, `ctid` in cast
order; SQLite: WAL frames and cell offsets in cast order). Hence two states of a ballot:

- while its vote is open, *sealed* (`consult.voting.sealing`): `sealed` holds the
  encrypted receipt and choices, `receipt` holds a keyed tag of the receipt (still
  unique), `choices` is `{}`. Only the weight is plaintext (the roll is public).
- from the close on, *plain*: `close_vote` unseals every ballot, deletes them all and
  inserts them again in a random order with new random ids, `sealed` empty, in one
  transaction; then `db.purge_deleted_rows` removes the old row versions from the files
  (PostgreSQL `VACUUM FULL ballot`; SQLite `secure_delete`, `VACUUM`, WAL truncated).
  All ballots of a vote then share one transaction id and nothing orders them by cast.

`voter` is set only in recorded mode (记名), at the cast, and kept through the rewrite.
Database triggers (voting_0006_ballot_guards) refuse any UPDATE of a ballot, any DELETE
except during that rewrite (a `ballot_rewrite` row for the vote, inserted and deleted
inside close_vote's transaction), a new ballot in a vote that is not open, and any
UPDATE or DELETE of participation.
"""

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from consult.accounts.tables import User
from consult.places.tables import Place


class Vote(Table):
    """An annual vote (年度民生实事项目票决), or a runoff round of one (`parent`, `round`)."""

    id = Serial(primary_key=True)
    title = Varchar(length=120)
    year = Integer()
    seats = Integer(default=1)
    budget = BigInt(null=True, default=None)  # yuan; None: no limit
    basis = Varchar(length=10, default="enrolled")
    threshold = Varchar(length=20, default="1/2")  # exact fraction as text
    secrecy = Varchar(length=10, default="secret")
    public_weight = Varchar(length=20, default="0")  # exact fraction as text, 0..1/2
    rule = Varchar(length=20, default="majority")
    tie_break_support = Boolean(default=False)
    completion = Varchar(length=20, null=True, default=None)  # equal_shares: None or "add_one"
    equal_number = Boolean(default=False)  # 等额: staff accepted K candidates for K seats
    equal_number_reason = Text(default="")
    state = Varchar(length=12, default="draft")
    round = Integer(default=1)
    parent = ForeignKey(references="self", null=True, default=None, on_delete=OnDelete.restrict)
    created_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    # Whose vote it is (a community's 居民议事会, a street, a district people's congress):
    # its candidates come from projects at or below this place.
    place = ForeignKey(references=Place, null=True, default=None, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())
    opened_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class Candidate(Table):
    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.cascade)
    topic = Integer(null=True, default=None)  # the project's topic id (topics feature), if any
    title = Varchar(length=200)
    description = Text(default="")
    cost = BigInt(default=0)  # yuan
    support = Integer(default=0)  # resident support index (民意指数)
    responsible_unit = Varchar(length=120, default="")
    position = Integer(default=0)


class RollEntry(Table):
    """A representative on a vote's roll (代表名册) with a weight; unique (vote, user)."""

    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.cascade)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    weight_cents = Integer(default=100)


class Participation(Table):
    """Who has cast a ballot in a vote: the unique index on (vote, "user") stops a second ballot.

    No timestamp: together with the ballot's physical order it could hint at who cast which."""

    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.restrict)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    # "online" (cast on the site) or "paper" (signed in at the desk: consult.voting.paper)
    channel = Varchar(length=8, default="online")


class Ballot(Table):
    """A cast ballot. `voter` is set only in recorded mode (记名); `id` is random; while the
    vote is open `receipt` is a tag and the content is in `sealed` (see module doc)."""

    id = Integer(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.restrict)
    receipt = Varchar(length=24, unique=True)
    weight_cents = Integer()
    choices = JSON(default="{}")  # {candidate id (str): approve | oppose | abstain}; {} while sealed
    sealed = Text(default="")  # base64 AES-GCM of {receipt, choices} while the vote is open; "" after close
    voter = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.restrict)


class PaperBox(Table):
    """The paper ballot box of a vote, opened by staff once the desk stops signing people in
    (one per vote: a unique index). Paper ballots are entered only after it is opened."""

    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.restrict)
    opened_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)


class PaperEntry(Table):
    """One staff member's reading of one paper ballot, by its serial number: two entries from
    two staff accounts, and a resolution by a third when they disagree (consult.voting.paper).
    No voter: the ballot came out of the box. Unique (vote, serial, entered_by)."""

    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.restrict)
    serial = Integer()
    kind = Varchar(length=12, default="entry")  # entry | resolution
    weight_cents = Integer()
    choices = JSON(default="{}")  # {candidate id (str): approve | oppose | abstain}
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)


class Review(Table):
    """Year-end review (人大评): one rating per representative per elected candidate."""

    id = Serial(primary_key=True)
    vote = ForeignKey(references=Vote, null=False, on_delete=OnDelete.cascade)
    candidate = ForeignKey(references=Candidate, null=False, on_delete=OnDelete.cascade)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    rating = Varchar(length=20)  # satisfied | basically_satisfied | dissatisfied
    comment = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
