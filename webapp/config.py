"""Every setting of the web app, read from the environment in this one place."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    """Where the web app reaches the Rasa HTTP API (server side, for the history)."""
    rasa_public_url: str = "http://127.0.0.1:5005"
    """Where the browser reaches Rasa's socket.io channel."""
    rasa_token: str = ""
    """Rasa `--auth-token`, if the server was started with one."""
    socket_path: str = "/socket.io/"
    widget_title: str = "维权助手"
    init_payload: str = "/greet"
    rasa_timeout: float = 10.0
    history_limit: int = 200
    static_dir: Path = PACKAGE_DIR / "static"
    templates_dir: Path = PACKAGE_DIR / "templates"
    socketio_client_dir: Path = REPO_ROOT / "node_modules" / "socket.io-client" / "dist"
    agents: str = ""
    """Agent accounts, `name:password;name2:password2` (WEIQUAN_AGENTS); none by default."""
    trainers: str = ""
    """Trainer accounts, same format (WEIQUAN_TRAINERS); none by default."""
    session_secret: str = ""
    """Key that signs staff tokens (WEIQUAN_SESSION_SECRET); random per process when empty."""
    timezone: str = "Asia/Shanghai"
    """"Today" for deadlines in suggested replies (WEIQUAN_TIMEZONE, as the action server)."""
    agent_message_limit: int = 2000
    tracker_db_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'tracker.db'}"
    """Rasa's SQL tracker store, read by the trainer inbox (WEIQUAN_TRACKER_DB_URL; PostgreSQL in production)."""
    training_nlu_dir: Path = REPO_ROOT / "data" / "nlu"
    """Training data the export checks for duplicates (WEIQUAN_TRAINING_NLU_DIR)."""
    reviewed_nlu_path: Path = REPO_ROOT / "data" / "nlu" / "reviewed.yml"
    """Where the export writes reviewed training examples (WEIQUAN_REVIEWED_NLU_PATH)."""
    heldout_dir: Path = REPO_ROOT / "tests" / "nlu"
    """Held-out sets, never to reach training data (WEIQUAN_HELDOUT_DIR)."""
    reviewed_heldout_path: Path = REPO_ROOT / "tests" / "nlu" / "heldout_reviewed.yml"
    """Where the export writes examples a trainer sent to the held-out set (WEIQUAN_REVIEWED_HELDOUT_PATH)."""
    reviewed_stories_dir: Path = REPO_ROOT / "tests" / "stories_reviewed"
    """Where conversations saved as test stories go (WEIQUAN_REVIEWED_STORIES_DIR)."""
    inbox_limit: int = 200

    def rasa_params(self, **extra: str) -> dict[str, str]:
        """Query parameters for a Rasa HTTP API call: `extra`, plus the auth token when one is set."""
        return extra | ({"token": self.rasa_token} if self.rasa_token else {})

    def rasa_client_timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.rasa_timeout)

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def widget_config(self) -> dict[str, str]:
        """The config object the demo page hands to the widget."""
        return {
            "serverUrl": self.rasa_public_url,
            "socketPath": self.socket_path,
            "title": self.widget_title,
            "initPayload": self.init_payload,
        }


def load_settings(env: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from WEIQUAN_* environment variables; keyword arguments (e.g. a `--port` flag) win."""
    env = dict(os.environ if env is None else env)
    rasa_url = env.get("WEIQUAN_RASA_URL", Settings.rasa_url).rstrip("/")
    values: dict[str, object] = {
        "host": env.get("WEIQUAN_WEB_HOST", Settings.host),
        "port": int(env.get("WEIQUAN_WEB_PORT", Settings.port)),
        "rasa_url": rasa_url,
        "rasa_public_url": env.get("WEIQUAN_RASA_PUBLIC_URL", rasa_url).rstrip("/"),
        "rasa_token": env.get("WEIQUAN_RASA_TOKEN", ""),
        "socket_path": env.get("WEIQUAN_SOCKET_PATH", Settings.socket_path),
        "widget_title": env.get("WEIQUAN_WIDGET_TITLE", Settings.widget_title),
        "init_payload": env.get("WEIQUAN_INIT_PAYLOAD", Settings.init_payload),
        "agents": env.get("WEIQUAN_AGENTS", ""),
        "trainers": env.get("WEIQUAN_TRAINERS", ""),
        "session_secret": env.get("WEIQUAN_SESSION_SECRET", ""),
        "timezone": env.get("WEIQUAN_TIMEZONE", Settings.timezone),
        "tracker_db_url": env.get("WEIQUAN_TRACKER_DB_URL") or Settings.tracker_db_url,
        **{
            key: Path(env[name]) for key, name in (
                ("training_nlu_dir", "WEIQUAN_TRAINING_NLU_DIR"),
                ("reviewed_nlu_path", "WEIQUAN_REVIEWED_NLU_PATH"),
                ("heldout_dir", "WEIQUAN_HELDOUT_DIR"),
                ("reviewed_heldout_path", "WEIQUAN_REVIEWED_HELDOUT_PATH"),
                ("reviewed_stories_dir", "WEIQUAN_REVIEWED_STORIES_DIR"),
            ) if env.get(name)
        },
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return Settings(**values)  # type: ignore[arg-type]


# The app's shared state: the settings and one HTTP client session (to Rasa).
SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
