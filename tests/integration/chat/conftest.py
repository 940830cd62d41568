"""Integration tests of the playground's storage: the real DynamoDB Local (tables from template.yaml) and
S3 served by moto's server on loopback (presigned POST / GET exercised over real HTTP)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.dynamodb_local import dynamodb_local, point_models_at


@pytest.fixture(scope="session")
def chat_dynamodb() -> Iterator[str]:
    import a2g.chat.repository  # noqa: F401 - the models must exist before they are pointed at the endpoint

    with dynamodb_local("chat") as endpoint:
        yield endpoint


@pytest.fixture
def chat_tables(chat_dynamodb: str) -> str:
    point_models_at(chat_dynamodb)
    return chat_dynamodb


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, Any]]:
    """moto's S3 on 127.0.0.1 with the files bucket (CORS is not needed: the tests are not browsers)."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    client.create_bucket(Bucket="chat-files-it")
    try:
        yield {"endpoint": endpoint, "bucket": "chat-files-it", "client": client}
    finally:
        server.stop()
