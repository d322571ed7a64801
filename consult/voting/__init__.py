"""Voting (票决). Until the voting reshaping replaces this file: today's controllers, their own
refusal handler scoped to their routes (Refusal subclasses need none: web/errors.py maps them)."""

from litestar import Router

import consult.voting.controllers as _controllers

route_handlers = [Router("/", route_handlers=_controllers.route_handlers, exception_handlers=_controllers.exception_handlers)]
