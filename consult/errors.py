"""Refusals raised by services. The web layer translates `message` with `params`."""

from __future__ import annotations


class Refused(Exception):
    """An action was refused; nothing was changed."""

    status_code = 409

    def __init__(self, message: str, status_code: int | None = None, **params):
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params
        if status_code is not None:
            self.status_code = status_code


class NotFound(Refused):
    status_code = 404


class RateLimited(Refused):
    status_code = 429
