"""What the project's config-only Rasa components share."""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class ConfigOnlyComponent(GraphComponent):
    """A component built from its config alone: nothing trained, nothing kept in model storage."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConfigOnlyComponent:
        return cls(config)  # type: ignore[call-arg]
