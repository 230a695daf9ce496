"""What the staff APIs share: 4xx errors with a Chinese reason, and reading a JSON object body."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A 4xx answer: a stable error key for programs, a Chinese reason for people."""

    def __init__(self, status: int, key: str, message: str) -> None:
        super().__init__(key)
        self.status, self.key, self.message = status, key, message

    @classmethod
    def from_texts(cls, errors: Mapping[str, str], status: int, key: str, **values: Any) -> ApiError:
        """The error whose reason is `errors[key]` filled with `values`."""
        return cls(status, key, errors[key].format(**values))

    def response(self) -> web.Response:
        return web.json_response({"error": self.key, "message": self.message}, status=self.status)


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """ApiError → its 4xx answer."""
    try:
        return await handler(request)
    except ApiError as error:
        return error.response()


async def json_object(request: web.Request, reason: str) -> dict[str, Any]:
    """The request body as a JSON object, else ApiError 400 `bad_json` with `reason`."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", reason) from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", reason)
    return body
