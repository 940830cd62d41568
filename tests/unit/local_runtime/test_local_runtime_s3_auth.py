"""The local S3's SigV4 verification against requests signed by botocore itself (what boto3 and browsers send)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from a2g_local.s3_auth import SignatureError, SignedRequest, SigV4Verifier
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ENDPOINT = "http://127.0.0.1:3000/_s3"
SECRET = "s" * 64
VERIFIER = SigV4Verifier({"local": SECRET})


def _received(method: str, url: str, headers: dict[str, str]) -> SignedRequest:
    """What the runtime sees of a request sent to `url`: raw path and query, lower-cased headers, host."""
    parts = urlsplit(url)
    lowered = {k.lower(): v for k, v in headers.items()}
    lowered.setdefault("host", parts.netloc)
    return SignedRequest(method, parts.path, parts.query, lowered, mount_prefix="/_s3")


def _signed(method: str, url: str, *, secret: str = SECRET, key_id: str = "local", body: bytes = b"",
            headers: dict[str, str] | None = None) -> SignedRequest:
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    S3SigV4Auth(Credentials(key_id, secret), "s3", "us-east-1").add_auth(request)
    prepared = request.prepare()
    return _received(method, prepared.url, dict(prepared.headers.items()))


def _client(secret: str = SECRET) -> Any:
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="local",
                        aws_secret_access_key=secret,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def _code(req: SignedRequest, verifier: SigV4Verifier = VERIFIER) -> str:
    with pytest.raises(SignatureError) as refused:
        verifier.verify(req)
    return refused.value.code


@pytest.mark.parametrize("path", [
    "/_s3/a2g-filesbucket/files/u1/report.txt", "/_s3/a2g-filesbucket/files/a%20b%2Bc%3D%26.txt",
    "/_s3/a2g-filesbucket/files/%ED%95%9C%EA%B8%80.png", "/_s3/a2g-filesbucket", "/_s3/",
])
def test_requests_signed_with_the_runtimes_credentials_pass(path: str) -> None:
    assert VERIFIER.verify(_signed("GET", f"http://127.0.0.1:3000{path}")) == "local"
    assert VERIFIER.verify(_signed("PUT", f"http://127.0.0.1:3000{path}", body=b"data",
                                   headers={"Content-Type": "text/plain", "x-amz-meta-owner": "u1"})) == "local"


def test_query_parameters_are_part_of_the_signature() -> None:
    url = "http://127.0.0.1:3000/_s3/a2g-filesbucket?list-type=2&prefix=files%2Fu%20%2B1%2F&max-keys=10"
    req = _signed("GET", url)
    assert VERIFIER.verify(req) == "local"
    tampered = SignedRequest(req.method, req.raw_path, req.raw_query.replace("u%20%2B1", "u2"), req.headers)
    assert _code(tampered) == "SignatureDoesNotMatch"


def test_any_other_credentials_or_a_changed_request_are_refused() -> None:
    url = "http://127.0.0.1:3000/_s3/a2g-filesbucket/files/u1/secret.txt"
    assert _code(_signed("GET", url, secret="local-secret")) == "SignatureDoesNotMatch"
    assert _code(_signed("GET", url, key_id="AKIAOTHER")) == "InvalidAccessKeyId"
    good = _signed("DELETE", url)
    assert _code(SignedRequest("GET", good.raw_path, good.raw_query, good.headers)) == "SignatureDoesNotMatch"
    assert _code(SignedRequest("DELETE", good.raw_path.replace("u1", "u2"), "", good.headers)) \
        == "SignatureDoesNotMatch"
    assert _code(SignedRequest("DELETE", good.raw_path, "", {**good.headers, "host": "evil:3000"})) \
        == "SignatureDoesNotMatch"
    put = _signed("PUT", url, body=b"x", headers={"Content-Type": "text/plain"})
    assert _code(SignedRequest("PUT", put.raw_path, "", {**put.headers, "content-type": "text/html"})) \
        == "SignatureDoesNotMatch"


def test_anonymous_sigv2_and_malformed_requests_are_refused() -> None:
    url = "http://127.0.0.1:3000/_s3/a2g-filesbucket/k"
    assert _code(_received("GET", url, {})) == "AccessDenied"
    assert _code(_received("GET", url, {"authorization": "AWS local:abc"})) == "InvalidRequest"
    assert _code(_received("GET", url, {"authorization": "Bearer whatever"})) == "AuthorizationHeaderMalformed"
    assert _code(_received("GET", url + "?AWSAccessKeyId=local&Signature=abc&Expires=9999999999", {})) \
        == "SignatureDoesNotMatch"


def test_a_signature_from_long_ago_is_refused_as_skewed() -> None:
    req = _signed("GET", "http://127.0.0.1:3000/_s3/a2g-filesbucket/k")
    later = SigV4Verifier({"local": SECRET}, now=lambda: time.time() + 16 * 60)
    assert _code(req, later) == "RequestTimeTooSkewed"


def test_presigned_urls_work_until_they_expire() -> None:
    url = _client().generate_presigned_url(
        "get_object", ExpiresIn=300,
        Params={"Bucket": "a2g-filesbucket", "Key": "files/u1/a b+c.pdf", "ResponseContentType": "application/pdf",
                "ResponseContentDisposition": "attachment; filename*=UTF-8''a%20b%2Bc.pdf"})
    req = _received("GET", url, {})
    assert VERIFIER.verify(req) == "local"
    expired = SigV4Verifier({"local": SECRET}, now=lambda: time.time() + 301)
    with pytest.raises(SignatureError) as refused:
        expired.verify(req)
    assert (refused.value.status, refused.value.code, refused.value.message) == (403, "AccessDenied",
                                                                                 "Request has expired")
    assert refused.value.extra["X-Amz-Expires"] == "300"
    forged = _client(secret="local-secret").generate_presigned_url(
        "get_object", Params={"Bucket": "a2g-filesbucket", "Key": "files/u1/a b+c.pdf"})
    assert _code(_received("GET", forged, {})) == "SignatureDoesNotMatch"
    other_key = url.replace("a%20b%2Bc.pdf?", "other.pdf?")
    assert _code(_received("GET", other_key, {})) == "SignatureDoesNotMatch"
    assert _code(_received("PUT", url, {})) == "SignatureDoesNotMatch"


def test_a_presigned_url_longer_than_seven_days_is_refused() -> None:
    url = _client().generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=3600)
    assert _code(_received("GET", url.replace("X-Amz-Expires=3600", "X-Amz-Expires=604801"), {})) \
        == "AuthorizationQueryParametersError"


def test_presigned_post_policies_are_signed() -> None:
    post = _client().generate_presigned_post("a2g-filesbucket", "files/u1/up.txt",
                                             Fields={"Content-Type": "text/plain"},
                                             Conditions=[{"Content-Type": "text/plain"}], ExpiresIn=60)
    fields = {k.lower(): v for k, v in post["fields"].items()}
    assert VERIFIER.verify_post_policy(fields) == "local"
    forged = _client(secret="local-secret").generate_presigned_post("a2g-filesbucket", "files/u2/x")
    with pytest.raises(SignatureError, match="does not match"):
        VERIFIER.verify_post_policy({k.lower(): v for k, v in forged["fields"].items()})
    with pytest.raises(SignatureError, match="must be signed"):
        VERIFIER.verify_post_policy({"policy": fields["policy"]})


def test_signature_version_2_presigned_urls_are_verified_too() -> None:
    v2 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id="local",
                      aws_secret_access_key=SECRET, config=Config(signature_version="s3", s3={"addressing_style": "path"}))
    put = v2.generate_presigned_url("put_object", ExpiresIn=60,
                                    Params={"Bucket": "a2g-filesbucket", "Key": "up/a b.txt", "ContentType": "text/plain"})
    get = v2.generate_presigned_url("get_object", ExpiresIn=60, Params={
        "Bucket": "a2g-filesbucket", "Key": "up/a b.txt", "ResponseContentDisposition": "attachment; filename=x.txt"})
    assert "AWSAccessKeyId=local" in put and "X-Amz-" not in put
    assert VERIFIER.verify(_received("PUT", put, {"content-type": "text/plain"})) == "local"
    assert VERIFIER.verify(_received("GET", get, {})) == "local"
    assert _code(_received("PUT", put, {"content-type": "text/html"})) == "SignatureDoesNotMatch"
    assert _code(_received("GET", get.replace("x.txt", "y.txt"), {})) == "SignatureDoesNotMatch"
    later = SigV4Verifier({"local": SECRET}, now=lambda: time.time() + 61)
    with pytest.raises(SignatureError, match="expired"):
        later.verify(_received("GET", get, {}))
