"""Every action the code writes to the audit log has a label for the audit page (issue 14
defect 7: the log showed action codes). The codes are read from the source, so a new
``audit.record(..., "x.y", ...)`` without a label fails here."""

from __future__ import annotations

import re
from pathlib import Path

import consult.app  # noqa: F401  (the web packages first, as the app loads them)
from consult.audit_labels import action_label

ROOT = Path(__file__).resolve().parents[2] / "consult"
RECORD = re.compile(r'audit\.record\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*"([a-z_]+\.[a-z_]+)"', re.S)
# The other branch of a code chosen in place: ``"place.reactivated" if active else "place.deactivated"``.
OTHER = re.compile(r'audit\.record\([^)]*?\belse\s+"([a-z_]+\.[a-z_]+)"', re.S)


def recorded_codes() -> set[str]:
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(RECORD.findall(text)) | set(OTHER.findall(text))
    return codes


def test_the_source_scan_finds_the_codes():
    codes = recorded_codes()
    assert {"account.register", "vote.opened", "place.created", "role.granted", "place.deactivated"} <= codes
    assert len(codes) > 30


def test_every_recorded_action_has_a_label():
    missing = sorted(code for code in recorded_codes() if action_label(code) is None)
    assert missing == []
