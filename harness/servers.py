"""Start the real action server and Rasa server (and, on request, the web app) on free ports for tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
MODEL = REPO / "models" / "weiquan.tar.gz"
TEST_STAFF = {"WEIQUAN_AGENTS": "小王:agent-test-pw;老李:agent2-test-pw", "WEIQUAN_TRAINERS": "lin:trainer-test-pw"}
"""Staff accounts the test web apps are started with (name:password;…)."""


def workdir_env(workdir: Path) -> dict[str, str]:
    """Environment that keeps a test stack's databases in its own folder: case store and tracker store."""
    return {
        "WEIQUAN_DB_URL": f"sqlite:///{workdir / 'cases.db'}",
        "WEIQUAN_TRACKER_DB_URL": f"sqlite:///{workdir / 'tracker.db'}",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(url: str, payload: Any | None = None, timeout: float = 30) -> Any:
    """GET (payload None) or POST JSON; returns the decoded body."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


@dataclass
class Servers:
    rasa_url: str
    actions_url: str
    workdir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)
    """How each process in `procs` was started (same order), for `rasa_stopped`."""
    env: dict[str, str] | None = None

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Send a message through the REST channel; returns the bot messages."""
        return http_json(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})

    def parse(self, text: str) -> dict[str, Any]:
        return http_json(f"{self.rasa_url}/model/parse", {"text": text})

    def tracker(self, sender: str) -> dict[str, Any]:
        return http_json(f"{self.rasa_url}/conversations/{sender}/tracker")


def _endpoints(workdir: Path, actions_port: int) -> Path:
    path = workdir / "endpoints.yml"
    path.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{workdir / "tracker.db"}"\n',
        encoding="utf-8",
    )
    return path


@contextmanager
def running_servers(workdir: Path, env: dict[str, str] | None = None) -> Iterator[Servers]:
    """Action server + Rasa server with the trained model, stopped on exit. Databases live in `workdir`
    unless `env` names others."""
    env = {**os.environ, **workdir_env(workdir), **(env or {})}
    if not MODEL.exists():
        raise RuntimeError("models/weiquan.tar.gz is missing: run `make train` (make test does it)")
    actions_port, rasa_port = free_port(), free_port()
    servers = Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", workdir)
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    commands = {
        "actions": ["run", "actions", "--actions", "actions", "--port", str(actions_port)],
        "rasa": ["run", "--enable-api", "--port", str(rasa_port), "--model", str(MODEL),
                 "--endpoints", str(_endpoints(workdir, actions_port)), "--credentials", "credentials.yml"],
    }
    with ExitStack() as stack:
        stack.callback(_stop, servers.procs)
        for name, args in commands.items():
            log = stack.enter_context(open(logs / f"{name}.log", "wb"))
            servers.commands[name] = [str(VENV_BIN / "rasa"), *args]
            servers.procs.append(subprocess.Popen(
                servers.commands[name], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))
        wait_until(lambda: http_json(f"{servers.actions_url}/health", timeout=2) is not None, 120,
                   "action server", servers.procs[0])
        wait_until(lambda: "model_file" in http_json(f"{servers.rasa_url}/status", timeout=2), 240,
                   "rasa server", servers.procs[1])
        servers.env = env
        yield servers


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def rasa_stopped(servers: Servers) -> Iterator[None]:
    """Stop the Rasa server (the action server keeps running); on exit start it again on the same port with
    the same tracker store and wait until it has loaded the model."""
    index = list(servers.commands).index("rasa")
    _stop([servers.procs[index]])
    try:
        yield
    finally:
        with open(servers.workdir / "logs" / "rasa.log", "ab") as log:
            servers.procs[index] = subprocess.Popen(
                servers.commands["rasa"], cwd=REPO, env=servers.env, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_until(lambda: "model_file" in http_json(f"{servers.rasa_url}/status", timeout=2), 240,
                   "rasa server", servers.procs[index])


@contextmanager
def running_webapp(servers: Servers, workdir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The web app (`python -m webapp`) talking to `servers`; yields its base URL, e.g. http://127.0.0.1:PORT/."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app_env = {**os.environ, **(servers.env or {}), **TEST_STAFF, **(env or {}), "WEIQUAN_RASA_URL": servers.rasa_url}
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "webapp.log", "wb") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "webapp", "--port", str(port)],
            cwd=REPO, env=app_env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: http_json(f"{url}healthz", timeout=2)["status"] == "ok", 60, "web app", proc)
        yield url
    finally:
        _stop([proc])


@contextmanager
def running_replicas(workdir: Path, count: int, env: dict[str, str]) -> Iterator[list[str]]:
    """One action server and `count` Rasa replicas on the production profile (endpoints.prod.yml,
    PostgreSQL + Redis from `env`); yields the replicas' base URLs."""
    actions_port = free_port()
    ports = [free_port() for _ in range(count)]
    full_env = {**os.environ, **env, "WEIQUAN_ACTION_URL": f"http://127.0.0.1:{actions_port}/webhook"}
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    commands = [["run", "actions", "--actions", "actions", "--port", str(actions_port)]] + [
        ["run", "--enable-api", "--port", str(port), "--model", str(MODEL),
         "--endpoints", "endpoints.prod.yml", "--credentials", "credentials.yml"] for port in ports
    ]
    procs: list[subprocess.Popen] = []
    with ExitStack() as stack:
        stack.callback(_stop, procs)
        for number, args in enumerate(commands):
            log = stack.enter_context(open(logs / f"replica-{number}.log", "wb"))
            procs.append(subprocess.Popen([str(VENV_BIN / "rasa"), *args], cwd=REPO, env=full_env,
                                          stdout=log, stderr=subprocess.STDOUT))
        wait_until(lambda: http_json(f"http://127.0.0.1:{actions_port}/health", timeout=2) is not None, 120,
                   "action server", procs[0])
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, procs[1:], strict=True):
            wait_until(lambda url=url: "model_file" in http_json(f"{url}/status", timeout=2), 240, url, proc)
        yield urls
