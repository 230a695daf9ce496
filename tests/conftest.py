"""Shared fixtures: the real domain and the real servers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.servers import Servers, running_servers

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def domain():
    """The project's real domain, as Rasa reads it."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(REPO / "domain"))


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with running_servers(tmp_path_factory.mktemp("servers")) as running:
        yield running
