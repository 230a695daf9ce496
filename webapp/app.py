"""The web app factory: one module per concern is mounted here (shop page, widget files, history API)."""
from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import PurePosixPath

import aiohttp
from aiohttp import web

from webapp import agent, auth, history, pages, trainer
from webapp.api import api_errors
from webapp.config import HTTP, SETTINGS, Settings

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TEXT_TYPES = {
    ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".svg": "image/svg+xml",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(("/widget/", "/vendor/", "/api/history/")):
        # The widget may sit on another site's page (one script tag): its files and its history are readable
        # from any origin (no cookies; a history needs the browser's random sender id).
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Cache-Control", "no-cache")
    if isinstance(response, web.FileResponse):
        # The widget's Chinese text must read right on host pages in other encodings (GBK shops).
        content_type = TEXT_TYPES.get(PurePosixPath(request.path).suffix)
        if content_type:
            response.headers.setdefault("Content-Type", f"{content_type}; charset=utf-8")
    return response


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession()
    yield
    await app[HTTP].close()


def create_app(settings: Settings) -> web.Application:
    """The aiohttp application; fails early when the front-end dependencies were not installed."""
    if not (settings.socketio_client_dir / "socket.io.min.js").is_file():
        raise RuntimeError(
            f"{settings.socketio_client_dir} is missing: run `npm ci` (scripts/setup.sh does it)"
        )
    app = web.Application(middlewares=[security_headers, api_errors])
    app[SETTINGS] = settings
    app[auth.AUTH] = auth.Authenticator(
        accounts={
            auth.AGENT: auth.parse_accounts(settings.agents),
            auth.TRAINER: auth.parse_accounts(settings.trainers),
        },
        secret=settings.session_secret.encode() or secrets.token_bytes(32),
    )
    app.cleanup_ctx.append(_http_client)
    app.router.add_get("/", pages.shop)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/history/{sender_id}", history.history)
    app.router.add_static("/widget/", settings.static_dir / "widget")
    app.router.add_static("/shop/", settings.static_dir / "shop")
    app.router.add_static("/vendor/socket.io/", settings.socketio_client_dir)
    agent.setup(app)
    trainer.setup(app)
    return app
