"""Topics (议题). Until the topics reshaping replaces this file: today's controllers, their own
refusal handlers scoped to their routes (Refusal subclasses need none: web/errors.py maps them)."""

from litestar import Router

import consult.topics.controllers as _controllers

route_handlers = [Router("/", route_handlers=_controllers.route_handlers, exception_handlers=_controllers.exception_handlers)]
periodic = _controllers.periodic
