"""The translation layer: gettext catalogs (Babel) with zh_CN the default and en the source.

Message ids are English. The catalog `consult/locale/zh_CN/LC_MESSAGES/messages.po`
is compiled in memory at start-up, so there is no build step and no stale .mo file.
The current request's locale lives in a context variable set by `LocaleMiddleware`.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_COOKIE = "lang"
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}

_locale: ContextVar[str] = ContextVar("consult_locale", default=DEFAULT_LOCALE)
_catalogs: dict[str, _gettext.NullTranslations] = {}


def load_catalogs(locale_dir: Path) -> None:
    _catalogs.clear()
    _catalogs["en"] = _gettext.NullTranslations()
    for locale in LOCALES:
        if locale == "en":
            continue
        po = locale_dir / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buf = BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        _catalogs[locale] = Translations(fp=buf)


def _translations() -> _gettext.NullTranslations:
    if not _catalogs:
        from consult.settings import BASE_DIR

        load_catalogs(BASE_DIR / "consult" / "locale")
    return _catalogs.get(_locale.get(), _catalogs["en"])


def set_locale(locale: str):
    return _locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _locale.get()


def gettext(message: str, **params) -> str:
    text = _translations().gettext(message)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    text = _translations().ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text.format(**params)


_ = gettext


def translate_error(template: str, params: dict | None = None) -> str:
    """Translate a domain message template (English, with {placeholders})."""
    return gettext(template, **(params or {}))


def pick_locale(cookie: str | None) -> str:
    """Chinese unless the person chose otherwise with the language switch (a cookie).

    The browser's Accept-Language is deliberately not used: the product's language is
    Simplified Chinese by default, and a shared or borrowed phone should not change it."""
    return cookie if cookie in LOCALES else DEFAULT_LOCALE
