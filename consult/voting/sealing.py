"""Sealing a secret ballot while its vote is open. Standard library and `cryptography` only.

Why: a copy of the database taken while a vote is open (a backup, a replica, a stolen
file) must not show how anyone voted, and the cast order in the file (PostgreSQL
transaction ids and heap positions, SQLite's WAL and cell offsets) joins each ballot
row to the participation row written in the same transaction. So while the vote is
open a ballot row holds no plaintext at all:

- ``sealed``: AES-256-GCM under the vote's key of ``{"receipt": ..., "choices": ...}``
  padded to one length for every ballot of the vote (the length of a ciphertext would
  otherwise tell how many "oppose" marks it holds), with a random 12-byte nonce and
  ``b"vote=<id>"`` as associated data (a sealed ballot cannot be moved to another vote);
  stored as base64 of nonce + ciphertext.
- ``receipt`` (the unique column): ``tag(receipt)``, an HMAC-SHA256 of the receipt under
  the vote's key, 24 hex digits (96 bits). The database still refuses a duplicate
  receipt, and without the key nobody can match a stored tag to a receipt published
  later. A tag has no dashes, so it can never equal a receipt code.

The weight stays in plaintext: the roll, and so every weight, is public.

The vote's key is HKDF-SHA256 of ``SECRET_KEY`` with the info
``b"consult ballot seal v1|vote=<id>"``: 64 bytes, the first 32 for AES-GCM and the last
32 for the tag (two keys, never one key for two algorithms). Whoever holds
``SECRET_KEY`` during the vote can unseal every ballot of an open vote and, with a copy
of the database or its WAL from before the close, link it to its voter: the key is
what must be kept apart from the database (docs/SECURITY.md). When the vote closes,
``commands.close_vote`` unseals, shuffles and rewrites the ballots in plaintext, and the
old row versions are removed from the file (``db.purge_deleted_rows``); from then on
the key protects nothing of that vote.

``configure(secret_key)`` is called once at start-up (``create_app``, the CLI); changing
``SECRET_KEY`` while a vote is open makes its ballots impossible to unseal, and closing
that vote is refused with ``SealBroken``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from consult.messages import N_, Refusal

INFO = b"consult ballot seal v1|vote=%d"
TAG_HEX_DIGITS = 24  # fits the receipt column (Varchar(24)); 96 bits
# Every choice value is padded to this many characters when the sealed length is fixed.
LONGEST_CHOICE = 16

_secret: bytes | None = None


class SealBroken(Refusal):
    """A sealed ballot cannot be opened with the configured key (SECRET_KEY changed or a row was altered)."""

    def __init__(self) -> None:
        super().__init__(
            N_("The sealed ballots of this vote cannot be opened with this server's SECRET_KEY: "
               "it was changed while the vote was open, or a ballot was altered. Nothing was changed."),
            status_code=409,
        )


def configure(secret_key: str) -> None:
    """Remember the application's SECRET_KEY (the root of every vote's key)."""
    global _secret
    _secret = secret_key.encode()


def _keys(vote_id: int) -> tuple[bytes, bytes]:
    if _secret is None:
        raise RuntimeError("consult.voting.sealing.configure(SECRET_KEY) was not called")
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=INFO % vote_id).derive(_secret)
    return okm[:32], okm[32:]


def tag(vote_id: int, receipt: str) -> str:
    """What the unique receipt column holds while the vote is open."""
    _, mac_key = _keys(vote_id)
    return hmac.new(mac_key, receipt.encode(), hashlib.sha256).hexdigest()[:TAG_HEX_DIGITS]


def _plaintext(receipt: str, choices: dict[str, str]) -> bytes:
    body = json.dumps({"receipt": receipt, "choices": choices}, sort_keys=True, separators=(",", ":")).encode()
    # The same length for every ballot with the same candidates (every ballot of a vote:
    # validate_ballot lists every candidate): only the keys decide it, never the choices.
    if any(len(v) > LONGEST_CHOICE for v in choices.values()):
        raise ValueError("a choice value is longer than LONGEST_CHOICE")
    shape = {"receipt": "r" * len(receipt), "choices": {k: "c" * LONGEST_CHOICE for k in choices}}
    width = len(json.dumps(shape, sort_keys=True, separators=(",", ":")).encode())
    return body + b" " * (width - len(body))  # JSON ignores trailing spaces


def seal(vote_id: int, receipt: str, choices: dict[str, str]) -> str:
    enc_key, _ = _keys(vote_id)
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, _plaintext(receipt, choices), b"vote=%d" % vote_id)
    return base64.b64encode(nonce + sealed).decode()


def unseal(vote_id: int, sealed: str) -> tuple[str, dict[str, str]]:
    """(receipt, choices) of a sealed ballot; SealBroken when the key or the row is not the one it was sealed with."""
    enc_key, _ = _keys(vote_id)
    try:
        raw = base64.b64decode(sealed.encode(), validate=True)
        plain = AESGCM(enc_key).decrypt(raw[:12], raw[12:], b"vote=%d" % vote_id)
    except (InvalidTag, ValueError, binascii.Error):
        raise SealBroken() from None
    content = json.loads(plain)
    return content["receipt"], content["choices"]
