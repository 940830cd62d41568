"""Storage modes other than DynamoDB Local: the moto fallback (where Java is missing) keeps its data across
restarts through its snapshot, and an emulator behind AWS_ENDPOINT_URL is used instead of own stores."""

from __future__ import annotations

import socket
import time
from typing import Any

import boto3
import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_moto_fallback_keeps_data_across_restarts(runtime_factory: Any, fixture_template: Any) -> None:
    rt = runtime_factory(fixture_template, in_memory=False, env={"A2G_STORAGE": "moto"})
    assert rt.info["storage"] == "moto"
    assert httpx.put(rt.url("/api/kv/m1"), content="kept by a clean stop").status_code == 200
    rt2 = rt.restart()
    assert httpx.get(rt2.url("/api/kv/m1")).json()["value"] == "kept by a clean stop"
    assert httpx.put(rt2.url("/api/kv/m2"), content="kept by the snapshot after writes").status_code == 200
    time.sleep(1.5)  # the snapshot follows writes within ~0.3 s; a hard kill loses only that window
    rt2.kill()
    rt3 = rt2.restart()
    assert httpx.get(rt3.url("/api/kv/m2")).json()["value"] == "kept by the snapshot after writes"
    assert httpx.get(rt3.url("/api/kv/m1")).json()["value"] == "kept by a clean stop"
    rt3.stop()


def test_emulator_behind_aws_endpoint_url_is_used(runtime_factory: Any, fixture_template: Any) -> None:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    emulator = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    emulator.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        creds = {"AWS_ACCESS_KEY_ID": "emu", "AWS_SECRET_ACCESS_KEY": "emu", "AWS_DEFAULT_REGION": "us-east-1"}
        rt = runtime_factory(fixture_template, env={"AWS_ENDPOINT_URL": endpoint, **creds})
        assert rt.info["storage"] == "aws"
        assert httpx.put(rt.url("/api/kv/e1"), content="in the emulator").status_code == 200
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="emu", aws_secret_access_key="emu")
        item = dynamodb.get_item(TableName="a2g-KvTable", Key={"pk": {"S": "e1"}})["Item"]
        assert item["value"]["S"] == "in the emulator"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="emu", aws_secret_access_key="emu")
        assert "a2g-filesbucket" in {b["Name"] for b in s3.list_buckets()["Buckets"]}
        assert httpx.get(rt.url("/_s3/a2g-filesbucket/x")).status_code == 404  # own S3 is off
    finally:
        emulator.stop()
