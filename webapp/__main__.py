"""`python -m webapp [--port 8080] [--host 127.0.0.1]`: serve the demo shop page, the widget and its API."""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

from webapp.app import create_app
from webapp.config import load_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__)
    parser.add_argument("--port", type=int, help="port to listen on (default 8080, or WEIQUAN_WEB_PORT)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, or WEIQUAN_WEB_HOST)")
    args = parser.parse_args(argv)
    settings = load_settings(port=args.port, host=args.host)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(settings), host=settings.host, port=settings.port,
                print=lambda _: print(f"网页小部件: {settings.public_url}", flush=True))


if __name__ == "__main__":
    main()
