"""The demo shop page: a product page of a fake shop with the widget embedded by one script tag."""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from aiohttp import web

from webapp.config import SETTINGS, Settings


@lru_cache(maxsize=8)
def template(path: Path) -> Template:
    """A page template of `templates_dir`, read once."""
    return Template(path.read_text(encoding="utf-8"))


def content_security_policy(settings: Settings) -> str:
    """Scripts and styles from this app only; connections to this app and to Rasa (HTTP and WebSocket)."""
    rasa = urlsplit(settings.rasa_public_url)
    ws_scheme = "wss" if rasa.scheme == "https" else "ws"
    connect = f"'self' {rasa.scheme}://{rasa.netloc} {ws_scheme}://{rasa.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )


def render_shop(settings: Settings) -> str:
    config = json.dumps(settings.widget_config(), ensure_ascii=False)
    return template(settings.templates_dir / "shop.html").substitute(
        widget_config=html.escape(config, quote=True),
        title=html.escape(settings.widget_title),
    )


def html_page(settings: Settings, text: str) -> web.Response:
    """An HTML page of this app, under the strict content security policy, never cached."""
    return web.Response(
        text=text, content_type="text/html", charset="utf-8",
        headers={"Content-Security-Policy": content_security_policy(settings), "Cache-Control": "no-cache"},
    )


async def shop(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return html_page(settings, render_shop(settings))
