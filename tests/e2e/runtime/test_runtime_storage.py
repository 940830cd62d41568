"""Storage through the local runtime: the S3 service (presigned PUT/GET/POST, boto3), and data that
survives a restart (DynamoDB Local on disk), including a SIGKILL right after an acknowledged write."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _presign(rt: Any, **body: Any) -> dict[str, Any]:
    r = httpx.post(rt.url("/api/presign"), json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("signature", ["v4", "v2"])
def test_presigned_put_then_get_round_trip(test_runtime: Any, signature: str) -> None:
    urls = _presign(test_runtime, key=f"uploads/{signature}/hello world.txt", signature=signature)
    assert urls["put"].startswith(test_runtime.base_url + "/_s3/a2g-filesbucket/")  # same origin as the app
    put = httpx.put(urls["put"], content=b"hello S3", headers={"content-type": "text/plain"})
    assert put.status_code == 200 and put.headers["etag"]
    got = httpx.get(urls["get"])
    assert got.status_code == 200 and got.content == b"hello S3"
    assert got.headers["content-type"] == "text/plain"
    assert got.headers["content-disposition"] == "attachment; filename=x.txt"
    ranged = httpx.get(urls["get"], headers={"Range": "bytes=6-7"})
    assert ranged.status_code == 206 and ranged.content == b"S3"


def test_presigned_url_expires(test_runtime: Any) -> None:
    urls = _presign(test_runtime, key="expiring.txt", expires=1)
    time.sleep(2.1)
    r = httpx.put(urls["put"], content=b"late")
    assert r.status_code == 403 and "expired" in r.text


def test_unsigned_request_is_refused(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/_s3/a2g-filesbucket/anything"))
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text


def test_presigned_post_checks_the_size_policy(test_runtime: Any) -> None:
    post = _presign(test_runtime, key="form/upload.bin", max_bytes=10)["post"]
    ok = httpx.post(post["url"], data=post["fields"], files={"file": ("a.bin", b"12345", "application/x-test")})
    assert ok.status_code == 204, ok.text
    too_big = httpx.post(post["url"], data=post["fields"], files={"file": ("a.bin", b"x" * 11)})
    assert too_big.status_code == 400 and "EntityTooLarge" in too_big.text
    s3 = test_runtime.boto3_client("s3")
    obj = s3.get_object(Bucket="a2g-filesbucket", Key="form/upload.bin")
    assert obj["Body"].read() == b"12345" and obj["ContentType"] == "application/x-test"


def test_boto3_object_operations(test_runtime: Any) -> None:
    s3 = test_runtime.boto3_client("s3")
    bucket = "a2g-filesbucket"
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"list/{i}.txt", Body=f"v{i}".encode(), Metadata={"n": str(i)})
    s3.upload_fileobj(__import__("io").BytesIO(b"z" * 70000), bucket, "list/sub/big.bin")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="list/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["list/0.txt", "list/1.txt", "list/2.txt"]
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["list/sub/"]
    page = s3.list_objects_v2(Bucket=bucket, Prefix="list/", MaxKeys=2)
    assert page["IsTruncated"] and len(page["Contents"]) == 2
    rest = s3.list_objects_v2(Bucket=bucket, Prefix="list/", ContinuationToken=page["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["list/2.txt", "list/sub/big.bin"]
    head = s3.head_object(Bucket=bucket, Key="list/1.txt")
    assert head["ContentLength"] == 2 and head["Metadata"] == {"n": "1"}
    assert s3.get_object(Bucket=bucket, Key="list/sub/big.bin")["Body"].read() == b"z" * 70000
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "list/0.txt"}, {"Key": "list/1.txt"}]})
    s3.delete_object(Bucket=bucket, Key="list/2.txt")
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="list/2.txt")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="list/")["Contents"]] == ["list/sub/big.bin"]


def test_data_survives_a_clean_restart(runtime_factory: Any, fixture_template: Any) -> None:
    rt = runtime_factory(fixture_template, in_memory=False)
    assert httpx.put(rt.url("/api/kv/kept"), content="before restart").status_code == 200
    s3 = rt.boto3_client("s3")
    s3.put_object(Bucket="a2g-filesbucket", Key="kept.txt", Body=b"file before restart")
    rt2 = rt.restart()
    assert rt2.base_url == rt.base_url
    assert httpx.get(rt2.url("/api/kv/kept")).json()["value"] == "before restart"
    body = rt2.boto3_client("s3").get_object(Bucket="a2g-filesbucket", Key="kept.txt")["Body"].read()
    assert body == b"file before restart"
    rt2.stop()


def test_acknowledged_write_survives_sigkill(runtime_factory: Any, fixture_template: Any) -> None:
    rt = runtime_factory(fixture_template, in_memory=False)
    assert rt.info["storage"] == "dynamodb-local", \
        "DynamoDB Local is not installed (npm ci in infrastructure/local; it needs Java): the moto fallback " \
        "does not promise that acknowledged writes survive a kill"
    for i in range(20):
        assert httpx.put(rt.url(f"/api/kv/k{i}"), content=f"value {i}").status_code == 200
    s3 = rt.boto3_client("s3")
    s3.put_object(Bucket="a2g-filesbucket", Key="acked.txt", Body=b"acknowledged")
    rt.kill()  # SIGKILL right after the acknowledgements: no clean shutdown, no flush
    rt2 = rt.restart()
    for i in range(20):
        assert httpx.get(rt2.url(f"/api/kv/k{i}")).json()["value"] == f"value {i}"
    assert rt2.boto3_client("s3").get_object(Bucket="a2g-filesbucket", Key="acked.txt")["Body"].read() \
        == b"acknowledged"
    rt2.stop()


def test_requests_not_signed_with_the_runtimes_credentials_are_refused(test_runtime: Any) -> None:
    """Any Authorization header used to be enough to list, read, overwrite and delete every object."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    own = test_runtime.boto3_client("s3")
    own.put_object(Bucket="a2g-filesbucket", Key="private/u1/secret.txt", Body=b"mine")
    forger = boto3.client("s3", endpoint_url=test_runtime.env["AWS_ENDPOINT_URL_S3"], region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local-secret",
                          config=Config(retries={"max_attempts": 1}))
    attempts = [
        lambda: forger.list_objects_v2(Bucket="a2g-filesbucket"),
        lambda: forger.get_object(Bucket="a2g-filesbucket", Key="private/u1/secret.txt"),
        lambda: forger.put_object(Bucket="a2g-filesbucket", Key="private/u1/secret.txt", Body=b"theirs"),
        lambda: forger.delete_object(Bucket="a2g-filesbucket", Key="private/u1/secret.txt"),
    ]
    for attempt in attempts:
        with pytest.raises(ClientError) as refused:
            attempt()
        assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    anyone = httpx.get(test_runtime.url("/_s3/a2g-filesbucket?list-type=2"),
                       headers={"Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/"
                                "aws4_request, SignedHeaders=host, Signature=00", "x-amz-date": "20260101T000000Z",
                                "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert anyone.status_code in (400, 403) and "<Error>" in anyone.text
    assert own.get_object(Bucket="a2g-filesbucket", Key="private/u1/secret.txt")["Body"].read() == b"mine"
    forged_url = forger.generate_presigned_url("get_object", Params={"Bucket": "a2g-filesbucket",
                                                                      "Key": "private/u1/secret.txt"})
    assert httpx.get(forged_url).status_code == 403
