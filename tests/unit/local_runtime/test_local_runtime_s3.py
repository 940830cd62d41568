"""Pieces of the local S3: presigned POST policies, aws-chunked bodies, ranges, multipart forms, storage."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from a2g_local.s3 import S3Error, Storage, _check_policy, _decode_aws_chunked, _parse_multipart, _parse_range
from a2g_local.server import is_loopback


def _policy(conditions: list[object], expires_in: float = 60) -> str:
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))
    return base64.b64encode(json.dumps({"expiration": expiration, "conditions": conditions}).encode()).decode()


def test_policy_conditions() -> None:
    policy = _policy([{"bucket": "b"}, ["starts-with", "$key", "up/"], ["content-length-range", 1, 10],
                      ["eq", "$Content-Type", "text/plain"]])
    _check_policy(policy, "b", "up/x", {"content-type": "text/plain"}, 5)
    with pytest.raises(S3Error, match="exceeds the maximum"):
        _check_policy(policy, "b", "up/x", {"content-type": "text/plain"}, 11)
    with pytest.raises(S3Error, match="smaller than the minimum"):
        _check_policy(policy, "b", "up/x", {"content-type": "text/plain"}, 0)
    with pytest.raises(S3Error, match="starts-with"):
        _check_policy(policy, "b", "other/x", {"content-type": "text/plain"}, 5)
    with pytest.raises(S3Error, match="Condition failed"):
        _check_policy(policy, "other-bucket", "up/x", {"content-type": "text/plain"}, 5)
    with pytest.raises(S3Error, match="eq"):
        _check_policy(policy, "b", "up/x", {"content-type": "image/png"}, 5)
    with pytest.raises(S3Error, match="expired"):
        _check_policy(_policy([], expires_in=-5), "b", "k", {}, 1)


def test_aws_chunked_body() -> None:
    body = b"5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n"
    assert _decode_aws_chunked(body) == b"hello world"


def test_ranges() -> None:
    assert _parse_range("bytes=0-4", 10) == (0, 4)
    assert _parse_range("bytes=5-", 10) == (5, 9)
    assert _parse_range("bytes=-3", 10) == (7, 9)
    assert _parse_range("bytes=8-100", 10) == (8, 9)
    assert _parse_range("bytes=10-", 10) is None
    assert _parse_range("items=1-2", 10) is None


def test_multipart_form() -> None:
    body = (b"--XX\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nup/${filename}\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XX--\r\n")
    fields, name, data, ctype = _parse_multipart(body, b"XX")
    assert fields == {"key": "up/${filename}"} and name == "a.txt" and data == b"line1\r\nline2"
    assert ctype == "text/plain"


def test_storage_survives_reopening(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    assert storage.create_bucket("b") is True and storage.create_bucket("b") is False
    fd, tmp = storage.temp_file("b")
    with open(fd, "wb") as fh:
        fh.write(b"data")
    storage.put("b", "a/key with spaces", tmp, md5="m", size=4, content_type="text/plain", metadata={"x": "1"},
                headers={})
    reopened = Storage(tmp_path)
    meta = reopened.head("b", "a/key with spaces")
    assert meta.size == 4 and meta.metadata == {"x": "1"} and meta.etag == '"m"'
    assert reopened.data_path("b", "a/key with spaces").read_bytes() == b"data"
    reopened.delete("b", "a/key with spaces")
    with pytest.raises(S3Error, match="does not exist"):
        Storage(tmp_path).head("b", "a/key with spaces")
    with pytest.raises(S3Error, match="bucket does not exist"):
        reopened.head("nope", "k")


def test_loopback_check() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.5.0.1") and is_loopback("::1")
    assert not is_loopback("10.0.0.1") and not is_loopback("192.168.1.2") and not is_loopback(None)
