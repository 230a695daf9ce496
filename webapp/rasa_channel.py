"""Rasa's socket.io channel with two fixes (loaded by the Rasa server via credentials.yml).

1. Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **json_message)`, so a payload such as
   the route card (`{"type": "route", ...}`) raises `TypeError: emit() got an unexpected keyword argument
   'type'` and the reply is lost (RasaHQ/rasa#3823). Here it is emitted as `{"custom": payload}`, the shape
   the REST channel and the tracker use.
2. Its `session_request` handler calls `sio.enter_room(...)` without `await`; with python-socketio 5.x that is
   a coroutine, so the browser never joins the room of its session id and, with `session_persistence`, no
   reply ever reaches it. Here the room is entered.

Everything else (event names, session persistence, metadata) is Rasa's own.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint


class CustomPayloadSocketIOOutput(SocketIOOutput):
    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WeiquanSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel, answering through `CustomPayloadSocketIOOutput`."""

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return CustomPayloadSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace)

        async def handle_message(sid: str, data: Any) -> None:
            # Same as Rasa's handler, with the fixed output channel.
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                if not data.get("session_id"):
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            await on_new_message(UserMessage(
                data.get("message", ""),
                CustomPayloadSocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            ))

        sio.on("session_request", handler=session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handler=handle_message, namespace=self.namespace)
        return blueprint
