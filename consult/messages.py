"""What a person is told: messages marked for translation, and the one refusal type.

Standard library only. A domain module marks its English sentences with ``N_`` (the
translation layer, ``consult.web.i18n``, translates them when a page is rendered) and
refuses an action by raising a ``Refusal`` (or a subclass that declares its own
``MESSAGES``). ``consult.web.errors`` turns every refusal into an HTTP answer, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


def N_(message: str) -> str:
    """Mark a message for translation; the web layer translates it."""
    return message


class Refusal(Exception):
    """An action was refused; nothing was changed.

    ``code`` is stable (tests and logs name it). ``message`` is the English sentence
    template: ``MESSAGES[code]`` where the subclass declares one, else the code itself is
    the template (a one-off refusal written where it is raised). ``params`` fill the
    template's ``{placeholders}`` after translation; a parameter named in
    ``PARAM_LABELS`` holds a value whose *label* is shown (a state, an action), looked
    up in that table and translated too. ``status_code`` is the HTTP status it maps to.
    """

    status_code: ClassVar[int] = 409
    MESSAGES: ClassVar[Mapping[str, str]] = {}
    PARAM_LABELS: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    # The id of the element where a page shows this refusal when only part of the page is
    # updated (an htmx request); None: the refusal replaces the part that was asked for.
    ALERT_ID: ClassVar[str | None] = None

    def __init__(self, code: str, /, status_code: int | None = None, **params: Any) -> None:
        self.code = code
        self.message = self.MESSAGES.get(code, code)
        self.params = params
        if status_code is not None:
            self.status_code = status_code  # type: ignore[misc]
        super().__init__(self.render())

    def render(self) -> str:
        """The untranslated English sentence (logs, tests)."""
        if not self.params:
            return self.message
        return self.message.format(**{k: str(v) for k, v in self.params.items()})


class NotFound(Refusal):
    status_code = 404


class RateLimited(Refusal):
    status_code = 429
