"""The 10,000 most common passwords, refused as new passwords. Standard library only.

The list is `common-passwords.txt` beside this module (SecLists' 10k-most-common.txt;
its header names the source, commit and licence), read once into a frozenset.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LIST_FILE = Path(__file__).with_name("common-passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    with LIST_FILE.open(encoding="utf-8") as lines:
        return frozenset(
            line.rstrip("\r\n").lower() for line in lines if line.strip() and not line.startswith("# ")
        )


def is_common(password: str) -> bool:
    """Case-insensitive: `Password` and `PASSWORD` are as common as `password`."""
    return password.lower() in common_passwords()
