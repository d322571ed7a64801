"""The resident's name and phone at rest, and the tracking code's keyed hash.

Both keys are HKDF-SHA256 of ``SECRET_KEY`` (consult.settings) with their own info
string: the contact is sealed with AES-256-GCM (a fresh 96-bit nonce per row), stored as base64 of nonce + ciphertext; a copy of the database shows neither name nor
phone, and a changed SECRET_KEY opens none of them (``ContactSealBroken``). The tracking
code is kept only as its HMAC under the other key (``consult.intake.domain.code_digest``).
See docs/SECURITY.md."""

from __future__ import annotations

import base64
import binascii
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from consult.intake.domain import Contact, code_digest

CONTACT_INFO = b"consult intake contact v1"
CODE_INFO = b"consult intake tracking code v1"
NONCE = 12

_keys: tuple[bytes, bytes] | None = None


class ContactSealBroken(Exception):
    """A sealed contact does not open with this server's key."""


def configure(secret_key: str) -> None:
    global _keys
    secret = secret_key.encode()

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    _keys = (derive(CONTACT_INFO), derive(CODE_INFO))


def _key(index: int) -> bytes:
    if _keys is None:
        raise RuntimeError("consult.intake.secrecy.configure(SECRET_KEY) was not called")
    return _keys[index]


def seal(contact: Contact) -> str:
    nonce = os.urandom(NONCE)
    plain = json.dumps({"name": contact.name, "phone": contact.phone}, ensure_ascii=False).encode()
    return base64.b64encode(nonce + AESGCM(_key(0)).encrypt(nonce, plain, None)).decode()


def unseal(sealed: str) -> Contact:
    try:
        raw = base64.b64decode(sealed, validate=True)
        data = json.loads(AESGCM(_key(0)).decrypt(raw[:NONCE], raw[NONCE:], None))
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise ContactSealBroken() from exc
    return Contact(data["name"], data["phone"])


def digest(code: str) -> str:
    return code_digest(_key(1), code)
