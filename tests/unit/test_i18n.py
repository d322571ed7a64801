"""Every string marked for translation has a zh_CN translation with the same placeholders."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import i18n as tool  # noqa: E402

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_marked_string_is_translated_to_chinese():
    missing = tool.untranslated(tool.load(), tool.extract())
    assert missing == [], f"run `python scripts/i18n.py update` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders():
    po = tool.load()
    wrong = []
    for msg in po:
        if not msg.id or not msg.string:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != expected:
                wrong.append(msg.id)
    assert wrong == []


def test_gettext_switches_language():
    from consult.web import i18n

    i18n.load_catalogs(ROOT / "consult" / "locale")
    token = i18n.set_locale("zh_CN")
    try:
        assert i18n.gettext("Sign in") == "登录"
        assert i18n.gettext("Unknown role: {role}.", role="x") == "未知角色：x。"
        i18n.set_locale("en")
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n._locale.reset(token)


def test_locale_is_chinese_unless_the_switch_chose_english():
    from consult.web.i18n import pick_locale

    assert pick_locale(None) == "zh_CN"
    assert pick_locale("en") == "en"
    assert pick_locale("zh_CN") == "zh_CN"
    assert pick_locale("xx") == "zh_CN"
