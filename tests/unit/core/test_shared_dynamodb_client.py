"""Every PynamoDB model of the platform sends through the process's one DynamoDB client per endpoint (one
botocore session for the process), instead of a session and client per model class and thread."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import Any

import a2g
from a2g import aws_session
from a2g.db import PlatformModel, transaction_connection
from pynamodb.models import Model


def _all_models() -> list[type[Model]]:
    for info in pkgutil.walk_packages(a2g.__path__, "a2g."):
        if ".ranking.model" not in info.name:
            importlib.import_module(info.name)
    found, stack = [], list(Model.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith("a2g.") and cls is not PlatformModel]


def _client(model: type[Model]) -> Any:
    return model._get_connection().connection.client


def test_every_platform_model_derives_from_platform_model() -> None:
    models = _all_models()
    assert len(models) > 20
    assert [m.__qualname__ for m in models if not issubclass(m, PlatformModel)] == []


def test_all_models_share_one_client_and_one_session_across_threads() -> None:
    aws_session.forget_clients()
    models = _all_models()
    hosts = {model: model.Meta.host for model in models}  # other tests in this process may have moved some
    try:
        for model in models:
            model.Meta.host, model._connection = "http://127.0.0.1:2", None  # type: ignore[attr-defined]
        clients: list[Any] = []
        threads = [threading.Thread(target=lambda m=m: clients.append(_client(m))) for m in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(clients) == len(models) and len({id(c) for c in clients}) == 1
        sessions = {id(m._get_connection().connection.session) for m in models}
        assert sessions == {id(aws_session.botocore_session())}
        # transactions go through the same client, not a connection of their own
        assert transaction_connection(models[0]).client is clients[0]
    finally:
        for model, host in hosts.items():
            model.Meta.host, model._connection = host, None  # type: ignore[attr-defined]


def test_a_model_pointed_at_another_endpoint_gets_that_endpoint_s_client() -> None:
    from a2g.agents.repository import AgentItem
    from a2g.identity.repository import UserItem

    before = AgentItem.Meta.host
    try:
        AgentItem.Meta.host, AgentItem._connection = "http://127.0.0.1:1", None  # type: ignore[attr-defined]
        moved = _client(AgentItem)
        assert moved.meta.endpoint_url == "http://127.0.0.1:1"
        assert moved is not _client(UserItem)
    finally:
        AgentItem.Meta.host, AgentItem._connection = before, None  # type: ignore[attr-defined]
