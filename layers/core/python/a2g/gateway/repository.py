"""The gateway's task records in ChatsTable: which caller's conversation (session) each A2A task belongs to.

| item         | pk               | sk                                  |
|--------------|------------------|-------------------------------------|
| gateway task | `USER#<user_id>` | `A2ATASK#<agent_id>#<task_id>`      |

The caller is part of the key, so `tasks/get` of another caller's task id is simply not found (-32001). The
record also keeps the last known task (v0.3 shape) of agents run through adapters, which have no task store
of their own; for A2A agents the agent's own task store stays authoritative. Records expire with `ttl`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from a2g.db import PlatformModel, table_meta
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

TASK_TTL_SECONDS = 30 * 86_400
MAX_TASK_JSON_CHARS = 300_000


@dataclass(frozen=True)
class GatewayTask:
    user_id: str
    agent_id: str
    task_id: str
    session_id: str
    state: str
    task: dict[str, Any] | None = None  # adapted agents: the whole task (v0.3 shape)


class GatewayTaskStore(Protocol):
    def put(self, task: GatewayTask) -> None: ...

    def get(self, user_id: str, agent_id: str, task_id: str) -> GatewayTask | None: ...


class GatewayTaskItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    session_id = UnicodeAttribute()
    state = UnicodeAttribute()
    task_json = UnicodeAttribute(null=True)
    ttl = NumberAttribute(null=True)


def _keys(user_id: str, agent_id: str, task_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", f"A2ATASK#{agent_id}#{task_id}"


class GatewayTaskRepository:
    def put(self, task: GatewayTask) -> None:
        pk, sk = _keys(task.user_id, task.agent_id, task.task_id)
        text = json.dumps(task.task, separators=(",", ":")) if task.task is not None else None
        if text is not None and len(text) > MAX_TASK_JSON_CHARS:
            text = None  # too large to keep: tasks/get then answers the state without the artifacts
        GatewayTaskItem(pk=pk, sk=sk, session_id=task.session_id, state=task.state, task_json=text,
                        ttl=int(time.time()) + TASK_TTL_SECONDS).save()

    def get(self, user_id: str, agent_id: str, task_id: str) -> GatewayTask | None:
        if "#" in task_id:
            return None
        pk, sk = _keys(user_id, agent_id, task_id)
        try:
            item = GatewayTaskItem.get(pk, sk)
        except GatewayTaskItem.DoesNotExist:
            return None
        task = json.loads(item.task_json) if item.task_json else None
        return GatewayTask(user_id, agent_id, task_id, item.session_id, item.state, task)


class MemoryGatewayTasks:
    """For unit tests."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], GatewayTask] = {}

    def put(self, task: GatewayTask) -> None:
        self.items[(task.user_id, task.agent_id, task.task_id)] = task

    def get(self, user_id: str, agent_id: str, task_id: str) -> GatewayTask | None:
        return self.items.get((user_id, agent_id, task_id))
