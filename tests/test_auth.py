"""Staff logins: accounts only from configuration, signed tokens per role, 401 with a reason otherwise."""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from webapp.api import api_errors
from webapp.auth import AGENT, TRAINER, Authenticator, Staff, login_handler, parse_accounts, require

AUTH = Authenticator(accounts={AGENT: {"小王": "pw-agent"}, TRAINER: {"lin": "pw-trainer"}}, secret=b"k" * 32)


def test_accounts_are_parsed_from_one_setting():
    assert parse_accounts("小王:pw1; bob:p:w2;;nobody:;:x") == {"小王": "pw1", "bob": "p:w2"}
    assert parse_accounts("") == {}


def test_a_token_is_valid_only_for_its_role_until_it_expires():
    token = AUTH.login(AGENT, "小王", "pw-agent")
    assert token is not None
    assert AUTH.verify(token, AGENT) == Staff(AGENT, "小王")
    assert AUTH.verify(token, TRAINER) is None
    assert AUTH.verify(token, AGENT, now=10**12) is None
    assert AUTH.verify(token[:-2] + "xx", AGENT) is None
    other = Authenticator(accounts=AUTH.accounts, secret=b"z" * 32)
    assert other.verify(token, AGENT) is None


def test_wrong_or_missing_accounts_get_no_token():
    assert AUTH.login(AGENT, "小王", "wrong") is None
    assert AUTH.login(AGENT, "lin", "pw-trainer") is None
    assert Authenticator(accounts={}, secret=b"k").login(AGENT, "", "") is None


def _client_call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    @require(AGENT)
    async def secret_page(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def go() -> tuple[int, Any]:
        from webapp.auth import AUTH as KEY
        app = web.Application(middlewares=[api_errors])
        app[KEY] = AUTH
        app.router.add_post("/login", login_handler(AGENT))
        app.router.add_get("/secret", secret_page)
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, **kwargs)
            return response.status, await response.json()

    return asyncio.run(go())


def test_the_staff_api_answers_401_with_a_chinese_reason_without_a_valid_token():
    status, body = _client_call("GET", "/secret")
    assert status == 401 and "登录" in body["message"]
    status, _ = _client_call("GET", "/secret", headers={"Authorization": "Bearer nonsense"})
    assert status == 401
    trainer_token = AUTH.issue(Staff(TRAINER, "lin"))
    status, _ = _client_call("GET", "/secret", headers={"Authorization": f"Bearer {trainer_token}"})
    assert status == 401
    agent_token = AUTH.issue(Staff(AGENT, "小王"))
    assert _client_call("GET", "/secret", headers={"Authorization": f"Bearer {agent_token}"}) == (200, {"ok": True})


def test_login_returns_a_token_that_opens_the_api():
    status, body = _client_call("POST", "/login", json={"name": "小王", "password": "pw-agent"})
    assert status == 200 and AUTH.verify(body["token"], AGENT) == Staff(AGENT, "小王")
    assert _client_call("POST", "/login", json={"name": "小王", "password": "nope"})[0] == 401
    assert _client_call("POST", "/login", data="{not json")[0] == 400
