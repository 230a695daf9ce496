"""Staff logins for the consoles: agents and trainers, each with their own accounts and signed tokens.

Accounts come from configuration only (`WEIQUAN_AGENTS`, `WEIQUAN_TRAINERS`: `name:password;name2:password2`);
there is no default account, so a console whose role has no account refuses every login. A login returns a
bearer token signed with HMAC-SHA256 (`role`, `name`, expiry); the browser keeps it in sessionStorage and
sends it as `Authorization: Bearer …`, so a consumer's sender id, cookie or widget can never reach the
staff API. Every staff API request without a valid token for its role gets 401 with a reason in Chinese.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from webapp.api import json_object

AGENT, TRAINER = "agent", "trainer"
ROLES = (AGENT, TRAINER)


@dataclass(frozen=True)
class Staff:
    """Who made a staff request."""

    role: str
    name: str


def parse_accounts(spec: str) -> dict[str, str]:
    """`alice:pw1;bob:pw2` → {"alice": "pw1", "bob": "pw2"}; blank entries are ignored."""
    accounts: dict[str, str] = {}
    for entry in spec.split(";"):
        name, sep, password = entry.strip().partition(":")
        if sep and name.strip() and password:
            accounts[name.strip()] = password
    return accounts


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Authenticator:
    accounts: Mapping[str, Mapping[str, str]]
    """role → {name: password}."""
    secret: bytes
    ttl_seconds: int = 12 * 3600

    def login(self, role: str, name: str, password: str) -> str | None:
        """A token for a valid account of that role, else None (same time taken either way)."""
        known = self.accounts.get(role, {})
        expected = known.get(name, "")
        ok = hmac.compare_digest(password.encode(), expected.encode()) and bool(expected)
        return self.issue(Staff(role, name)) if ok else None

    def issue(self, staff: Staff, now: float | None = None) -> str:
        claims = {"role": staff.role, "name": staff.name, "exp": int((now or time.time()) + self.ttl_seconds)}
        body = _b64(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, role: str, now: float | None = None) -> Staff | None:
        """The staff member a token belongs to, if it is genuine, unexpired and for `role`."""
        body, _, signature = token.partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            claims = json.loads(_unb64(body))
        except ValueError:
            return None
        if claims.get("role") != role or claims.get("exp", 0) < (now or time.time()):
            return None
        if claims.get("name") not in self.accounts.get(role, {}):
            return None
        return Staff(role, str(claims["name"]))

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())


AUTH = web.AppKey("auth", Authenticator)
STAFF = "staff"
"""Request key under which `require` puts the authenticated `Staff`."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def unauthorized(reason: str) -> web.Response:
    return web.json_response(
        {"error": "unauthorized", "message": reason}, status=401,
        headers={"WWW-Authenticate": 'Bearer realm="weiquan"'},
    )


def require(role: str) -> Callable[[Handler], Handler]:
    """Decorator for staff API handlers: 401 unless the request carries a valid token for `role`."""

    def decorate(handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return unauthorized("请先登录。")
            staff = request.app[AUTH].verify(token.strip(), role)
            if staff is None:
                return unauthorized("登录已失效或没有这个权限，请重新登录。")
            request[STAFF] = staff
            return await handler(request)

        wrapped.__name__ = handler.__name__
        wrapped.__doc__ = handler.__doc__
        return wrapped

    return decorate


def login_handler(role: str) -> Handler:
    """POST {"name", "password"} → {"token", "name"}; 401 on a wrong account, 400 on a malformed body."""

    async def login(request: web.Request) -> web.Response:
        body = await json_object(request, "请求格式不对，需要 JSON。")
        name, password = str(body.get("name", "")).strip(), str(body.get("password", ""))
        auth = request.app[AUTH]
        if not auth.accounts.get(role):
            return unauthorized("这个工作台还没有配置账号，请联系管理员。")
        token = auth.login(role, name, password)
        if token is None:
            return unauthorized("用户名或密码不对。")
        return web.json_response({"token": token, "name": name, "role": role})

    return login
