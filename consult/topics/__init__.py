"""Topics (议题): proposal, screening, discussion, project, implementation, evaluation.

Modules by concept: ``lifecycle`` (states, transitions, who may, what each action
takes), ``forms`` (input checks), ``evaluation``, ``labels``, ``permissions`` (what one
viewer may do here) — pure rules; ``commands``, ``discussion``, ``projects`` (writes,
one transaction each, on the shared steps of ``timeline``); ``queries`` (reads, the
only cache); ``presentation`` (the shared fragments' values); ``pages`` (HTML) and
``api`` (JSON and CSV).
"""

from consult.topics import api, authoring_pages, moderation_pages, pages, projects

route_handlers = [
    *pages.route_handlers, *authoring_pages.route_handlers, *moderation_pages.route_handlers, *api.route_handlers,
]

# (seconds, job): ended evaluation windows are decided in the background, never by a page view.
periodic = [(60, projects.decide_due_evaluations)]
