"""The application factory: collects each feature's route handlers and wires the shared pieces."""

from __future__ import annotations

import asyncio
import logging

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotFoundException
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router

from consult import accounts, dashboard, db, home, notifications, topics, voting, web
from consult.accounts import passwords
from consult.places import calendar_pages, settings_pages
from consult import notices
from consult.accounts.guards import viewer_middleware
from consult.accounts.limits import LoginLimiter, MissLimiter, make_counters
from consult.accounts.sessions import ConsultSessionConfig, HashedKeyStore, make_store
from consult.places import routes as places_routes
from consult.photos import routes as photo_routes, store as photo_store
from consult.workorders import routes as workorders_routes
from consult.intake import routes as intake_routes, secrecy as intake_secrecy
from consult.meetings import routes as meetings_routes
from consult.fields import is_id
from consult.settings import Settings, load_settings
import consult.places.api as places_api
import consult.voting.sealing as sealing
from consult.web import access_log, display, i18n
from consult.web.errors import EXCEPTION_HANDLERS
from consult.web.forms import refuse_nul
from consult.web.middleware import LocaleMiddleware, security_headers
from consult.web.templating import template_config, use_routes

# Every feature's routes, and the jobs run in the background while the server runs (seconds
# between runs, async function): deleting expired sessions, closing evaluation windows.
ROUTE_HANDLERS = [
    *web.route_handlers,
    *display.route_handlers,
    *home.route_handlers,
    *accounts.route_handlers,
    *notifications.route_handlers,
    *dashboard.route_handlers,
    *topics.route_handlers,
    *voting.route_handlers,
    *places_routes.route_handlers,
    *settings_pages.route_handlers,
    *calendar_pages.route_handlers,
    *places_api.route_handlers,
    *photo_routes.route_handlers,
    *notices.route_handlers,
    *workorders_routes.route_handlers,
    *intake_routes.route_handlers,
    *meetings_routes.route_handlers,
]
PERIODIC = [*accounts.periodic, *topics.periodic, *workorders_routes.periodic]

log = logging.getLogger("consult")


async def check_request_input(request: Request):
    """Before every handler (after the guards): an id in the path that no row can have is
    "not found", and a NUL character in the query string is a bad request. Both would
    otherwise reach the database driver and fail there (500). Until first-run setup is
    done, anyone but an administrator gets the "being set up" page (consult.places.setup_pages)."""
    for value in request.path_params.values():
        if isinstance(value, int) and not is_id(value):
            raise NotFoundException()
    refuse_nul(request.query_params.keys())
    refuse_nul(v for _k, v in request.query_params.multi_items())
    return await places_routes.setup_gate(request)


async def _every(seconds: int, job) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except Exception:  # noqa: BLE001 - a failed run is logged and retried next time
            log.exception("periodic job %s failed", getattr(job, "__name__", job))


def create_app(settings: Settings | None = None, *, manage_engine: bool = True) -> Litestar:
    settings = settings or load_settings()
    passwords.configure(settings.argon2_profile)
    intake_secrecy.configure(settings.secret_key)  # the residents' contacts and tracking codes
    sealing.configure(settings.secret_key)  # every open vote's ballots are sealed under a key derived from it
    access_log.install()  # no query string (a receipt code) in the server's access log
    i18n.load_catalogs(settings.locale_dir)
    photo_store.configure(photo_store.FilesystemStore(settings.data_dir / "photos"))
    store = make_store(settings.redis_url, settings.store_namespace)
    on_startup, on_shutdown = _lifespan(manage_engine)
    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, create_static_files_router(
            path="/static", directories=[settings.static_dir], name="static")],
        middleware=[
            DefineMiddleware(LocaleMiddleware),
            _session_config(settings).middleware,
            viewer_middleware(settings.session_idle_seconds, settings.session_absolute_seconds),
        ],
        csrf_config=_csrf_config(settings),
        stores={"sessions": HashedKeyStore(store.with_namespace("sessions"))},
        template_config=template_config(),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(settings.production)],
        before_request=check_request_input,
        openapi_config=OpenAPIConfig(
            title="Consult open data",
            version="1.0.0",
            path="/api/schema",
            render_plugins=[JsonRenderPlugin()],  # no CDN-hosted viewers: CSP and offline users
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        logging_config=LoggingConfig(log_exceptions="always" if not settings.production else "debug"),
        debug=False,
    )
    app.state.settings = settings
    use_routes(app)
    app.state.login_limiter = LoginLimiter(
        counters=make_counters(settings.redis_url, settings.store_namespace),
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
        window_seconds=settings.login_lockout_seconds,
    )
    app.state.track_limiter = MissLimiter(
        counters=make_counters(settings.redis_url, settings.store_namespace + ":track"),
        max_misses=settings.track_max_misses_per_address,
        window_seconds=settings.login_lockout_seconds,
    )
    return app


def _session_config(settings: Settings) -> ConsultSessionConfig:
    return ConsultSessionConfig(
        store="sessions",
        key=settings.session_cookie,
        session_id_bytes=32,
        max_age=settings.session_absolute_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.production,
    )


def _csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name=settings.csrf_cookie,
        cookie_secure=settings.production,
        cookie_samesite="lax",
        header_name="x-csrftoken",
    )


def _lifespan(manage_engine: bool):
    """The start-up and shutdown hooks: the engine (unless the caller manages it) and the periodic jobs."""
    tasks: list[asyncio.Task] = []

    async def on_startup(app: Litestar) -> None:
        if manage_engine:
            await db.prepare_engine()
            for seconds, job in PERIODIC:
                tasks.append(asyncio.create_task(_every(seconds, job)))

    async def on_shutdown(app: Litestar) -> None:
        for task in tasks:
            task.cancel()
        if manage_engine:
            await db.close_engine()

    return on_startup, on_shutdown
