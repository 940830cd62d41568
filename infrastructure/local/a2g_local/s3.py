"""A small disk-backed S3-compatible service, served by the runtime at `/_s3/<bucket>/<key>` (path style).

Why not moto S3: moto keeps objects in memory, and browsers must reach presigned URLs at the app's own
origin; serving S3 here gives both durability and same-origin URLs. It supports what the platform does
through boto3: create/head/delete bucket, list buckets, put (incl. copy) / get (incl. Range) / head / delete
object, DeleteObjects, ListObjectsV2 (and V1), presigned GET/PUT (SigV4, expired URLs are refused) and presigned POST
uploads (policy expiration and conditions: content-length-range, eq, starts-with, exact fields).

Every request must be signed (SigV4, headers or presigned query, or a signed POST policy) with the
credentials the runtime hands its functions: `a2g_local.s3_auth` verifies them as S3 does. Objects live in `<data>/s3/<bucket>/` as `<sha256(key)>.data` + `.json` metadata; both
are fsync'ed and renamed into place before the response, so an acknowledged upload survives a kill.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from a2g_local.s3_auth import SignatureError, SignedRequest, SigV4Verifier, header_map

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
PREFIX = "/_s3"
_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass
class ObjectMeta:
    key: str
    size: int
    etag: str  # quoted md5
    last_modified: float
    content_type: str
    metadata: dict[str, str]
    headers: dict[str, str]  # content-disposition, cache-control, content-encoding, content-language, expires


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


class Storage:
    """Buckets as folders, objects as data + metadata files, an in-memory index per bucket for listing."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, ObjectMeta]] = {}
        for bucket_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            index: dict[str, ObjectMeta] = {}
            for meta_file in bucket_dir.glob("*.json"):
                try:
                    raw = json.loads(meta_file.read_text(encoding="utf-8"))
                    meta = ObjectMeta(**raw)
                except (ValueError, TypeError):
                    continue
                if (bucket_dir / (meta_file.stem + ".data")).is_file():
                    index[meta.key] = meta
            self._index[bucket_dir.name] = index

    # -- buckets ---------------------------------------------------------------------------------------
    def buckets(self) -> list[str]:
        return sorted(self._index)

    def create_bucket(self, bucket: str) -> bool:
        with self._lock:
            if bucket in self._index:
                return False
            (self.root / bucket).mkdir(parents=True, exist_ok=True)
            self._index[bucket] = {}
            return True

    def delete_bucket(self, bucket: str) -> None:
        with self._lock:
            if self._index.get(bucket):
                raise S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", BucketName=bucket)
            self._require(bucket)
            self._index.pop(bucket)
            for child in (self.root / bucket).iterdir():
                child.unlink()
            (self.root / bucket).rmdir()

    def _require(self, bucket: str) -> dict[str, ObjectMeta]:
        index = self._index.get(bucket)
        if index is None:
            raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket)
        return index

    def has_bucket(self, bucket: str) -> bool:
        return bucket in self._index

    # -- objects ---------------------------------------------------------------------------------------
    def _paths(self, bucket: str, key: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / bucket / f"{digest}.data", self.root / bucket / f"{digest}.json"

    def head(self, bucket: str, key: str) -> ObjectMeta:
        meta = self._require(bucket).get(key)
        if meta is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        return meta

    def data_path(self, bucket: str, key: str) -> Path:
        return self._paths(bucket, key)[0]

    def put(self, bucket: str, key: str, source: Path, *, md5: str, size: int, content_type: str,
            metadata: dict[str, str], headers: dict[str, str]) -> ObjectMeta:
        """Move a fully written, fsync'ed temp file into place, then write its metadata (durable on return)."""
        self._require(bucket)
        data_path, meta_path = self._paths(bucket, key)
        meta = ObjectMeta(key=key, size=size, etag=f'"{md5}"', last_modified=time.time(),
                          content_type=content_type or "binary/octet-stream", metadata=metadata, headers=headers)
        with self._lock:
            os.replace(source, data_path)
            tmp = meta_path.with_suffix(".json.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(meta.__dict__, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, meta_path)
            _fsync_dir(data_path.parent)
            self._index[bucket][key] = meta
        return meta

    def delete(self, bucket: str, key: str) -> None:
        index = self._require(bucket)
        data_path, meta_path = self._paths(bucket, key)
        with self._lock:
            index.pop(key, None)
            for path in (meta_path, data_path):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass

    def list(self, bucket: str) -> list[ObjectMeta]:
        index = self._require(bucket)
        with self._lock:
            return sorted(index.values(), key=lambda m: m.key)

    def temp_file(self, bucket: str) -> tuple[int, Path]:
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=self.root / bucket)
        return fd, Path(name)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the HTTP side -----------------------------------------------------------------------------------

@dataclass
class S3Request:
    method: str
    bucket: str
    key: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    receive: Receive


class S3Service:
    def __init__(self, storage: Storage, *, credentials: dict[str, str] | None, cors_origins: list[str] | None = None,
                 max_upload_bytes: int = 5 * 1024**3):
        """`credentials` (access key id -> secret) sign every request; None turns verification off (tests of
        the storage side only)."""
        self.storage = storage
        self.verifier = SigV4Verifier(credentials) if credentials is not None else None
        self.cors_origins = set(cors_origins or [])
        self.max_upload_bytes = max_upload_bytes

    # -- entry -----------------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> int:
        """Serve one request under /_s3; returns the status code (for the request log)."""
        raw_path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        rest = raw_path[len(PREFIX):].lstrip("/")
        bucket, _, key = rest.partition("/")
        headers = header_map(scope["headers"])
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        req = S3Request(scope["method"], unquote(bucket), unquote(key), query, headers, receive)
        signed = SignedRequest(scope["method"], raw_path, raw_query, headers, mount_prefix=PREFIX)
        cors = self._cors_headers(headers.get("origin"))
        try:
            if req.method == "OPTIONS":
                return await _respond(send, 200, cors + [
                    ("access-control-allow-methods", "GET, PUT, POST, HEAD, DELETE"),
                    ("access-control-allow-headers", headers.get("access-control-request-headers", "*")),
                    ("access-control-max-age", "3000")], b"")
            self._check_auth(req, signed)
            return await self._dispatch(req, send, cors)
        except S3Error as err:
            body = b"" if req.method == "HEAD" else _error_xml(err, req)
            extra = [("content-type", "application/xml")]
            if headers.get("transfer-encoding") or headers.get("content-length", "0") not in ("", "0"):
                # The request's body may be unread (a refused upload, or a client still waiting for
                # `100 Continue`): close the connection rather than read its bytes as the next request.
                extra.append(("connection", "close"))
            return await _respond(send, err.status, cors + extra, body)

    def _cors_headers(self, origin: str | None) -> list[tuple[str, str]]:
        if not origin:
            return []
        host = re.sub(r"^https?://", "", origin).split(":", 1)[0]
        if origin in self.cors_origins or "*" in self.cors_origins or host in ("127.0.0.1", "localhost", "[::1]"):
            return [("access-control-allow-origin", origin), ("access-control-expose-headers", "ETag"),
                    ("vary", "Origin")]
        return []

    def _check_auth(self, req: S3Request, signed: SignedRequest) -> None:
        """Every request is signed with the runtime's credentials (a2g_local.s3_auth); a browser form upload
        (POST to the bucket) carries its signature in the form, checked with its policy."""
        if self.verifier is None:
            return
        if req.method == "POST" and req.key == "" and "delete" not in req.query \
                and not signed.headers.get("authorization"):
            return
        try:
            self.verifier.verify(signed)
        except SignatureError as err:
            raise S3Error(err.status, err.code, err.message, **err.extra) from None

    async def _dispatch(self, req: S3Request, send: Send, cors: list[tuple[str, str]]) -> int:
        m, q = req.method, req.query
        if not req.bucket:
            if m == "GET":
                return await self._list_buckets(send, cors)
            raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if not req.key:
            if m == "PUT":
                await _drain(req.receive)
                self.storage.create_bucket(req.bucket)
                return await _respond(send, 200, cors + [("location", f"/{req.bucket}")], b"")
            if m == "HEAD":
                if not self.storage.has_bucket(req.bucket):
                    raise S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=req.bucket)
                return await _respond(send, 200, cors + [("x-amz-bucket-region", "us-east-1")], b"")
            if m == "GET":
                if "location" in q:
                    self.storage._require(req.bucket)
                    return await _xml(send, cors, f'<LocationConstraint xmlns="{_XMLNS}"></LocationConstraint>')
                return await self._list_objects(req, send, cors)
            if m == "DELETE":
                self.storage.delete_bucket(req.bucket)
                return await _respond(send, 204, cors, b"")
            if m == "POST" and "delete" in q:
                return await self._delete_objects(req, send, cors)
            if m == "POST":
                return await self._post_upload(req, send, cors)
            raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if m == "PUT":
            return await self._put_object(req, send, cors)
        if m in ("GET", "HEAD"):
            return await self._get_object(req, send, cors, head=(m == "HEAD"))
        if m == "DELETE":
            self.storage.delete(req.bucket, req.key)
            return await _respond(send, 204, cors, b"")
        raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")

    # -- operations ------------------------------------------------------------------------------------
    async def _list_buckets(self, send: Send, cors: list[tuple[str, str]]) -> int:
        items = "".join(f"<Bucket><Name>{escape(b)}</Name><CreationDate>{_iso(0)}</CreationDate></Bucket>"
                        for b in self.storage.buckets())
        return await _xml(send, cors, f'<ListAllMyBucketsResult xmlns="{_XMLNS}"><Owner><ID>local</ID>'
                                      f'<DisplayName>local</DisplayName></Owner><Buckets>{items}</Buckets>'
                                      f"</ListAllMyBucketsResult>")

    async def _put_object(self, req: S3Request, send: Send, cors: list[tuple[str, str]]) -> int:
        bucket, key, h = req.bucket, req.key, req.headers
        self.storage._require(bucket)
        copy_source = h.get("x-amz-copy-source")
        if copy_source:
            await _drain(req.receive)
            src_bucket, _, src_key = unquote(copy_source.lstrip("/")).partition("/")
            src = self.storage.head(src_bucket, src_key.split("?versionId=")[0])
            data = await asyncio.to_thread(self.storage.data_path(src_bucket, src.key).read_bytes)
            replace = h.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE"
            meta = await self._store(bucket, key, [data],
                                     content_type=h.get("content-type", "") if replace else src.content_type,
                                     metadata=_user_metadata(h) if replace else src.metadata,
                                     headers=_stored_headers(h) if replace else src.headers)
            body = (f'<CopyObjectResult xmlns="{_XMLNS}"><LastModified>{_iso(meta.last_modified)}</LastModified>'
                    f"<ETag>{escape(meta.etag)}</ETag></CopyObjectResult>")
            return await _xml(send, cors, body)
        chunks = await _read_body(req.receive, self.max_upload_bytes)
        if "aws-chunked" in h.get("content-encoding", "") or h.get("x-amz-content-sha256", "").startswith("STREAMING-"):
            chunks = [_decode_aws_chunked(b"".join(chunks))]
        content_encoding = ",".join(e for e in h.get("content-encoding", "").split(",")
                                    if e.strip() and e.strip() != "aws-chunked")
        headers = _stored_headers(h)
        if content_encoding:
            headers["content-encoding"] = content_encoding
        else:
            headers.pop("content-encoding", None)
        meta = await self._store(bucket, key, chunks, content_type=h.get("content-type", ""),
                                 metadata=_user_metadata(h), headers=headers)
        return await _respond(send, 200, cors + [("etag", meta.etag)], b"")

    async def _store(self, bucket: str, key: str, chunks: list[bytes], *, content_type: str,
                     metadata: dict[str, str], headers: dict[str, str]) -> ObjectMeta:
        def write() -> ObjectMeta:
            fd, tmp = self.storage.temp_file(bucket)
            md5 = hashlib.md5()
            size = 0
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in chunks:
                        fh.write(chunk)
                        md5.update(chunk)
                        size += len(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                return self.storage.put(bucket, key, tmp, md5=md5.hexdigest(), size=size,
                                        content_type=content_type, metadata=metadata, headers=headers)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise

        return await asyncio.to_thread(write)

    async def _get_object(self, req: S3Request, send: Send, cors: list[tuple[str, str]], *, head: bool) -> int:
        meta = self.storage.head(req.bucket, req.key)
        await _drain(req.receive)
        q = req.query
        headers = cors + [
            ("etag", meta.etag), ("last-modified", _http_date(meta.last_modified)), ("accept-ranges", "bytes"),
            ("content-type", q.get("response-content-type") or meta.content_type),
        ]
        stored = dict(meta.headers)
        for qname, hname in (("response-content-disposition", "content-disposition"),
                             ("response-cache-control", "cache-control"),
                             ("response-content-encoding", "content-encoding"),
                             ("response-content-language", "content-language"), ("response-expires", "expires")):
            if q.get(qname):
                stored[hname] = q[qname]
        headers += list(stored.items())
        headers += [(f"x-amz-meta-{k}", v) for k, v in meta.metadata.items()]
        inm = req.headers.get("if-none-match")
        if inm and inm.strip() in (meta.etag, "*"):
            return await _respond(send, 304, headers, b"")
        start, end, status = 0, meta.size - 1, 200
        rng = req.headers.get("range")
        if rng and meta.size:
            parsed = _parse_range(rng, meta.size)
            if parsed is None:
                raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
            start, end = parsed
            status = 206
            headers.append(("content-range", f"bytes {start}-{end}/{meta.size}"))
        length = max(0, end - start + 1)
        headers.append(("content-length", str(length)))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode("latin-1", "replace")) for k, v in headers]})
        if head or length == 0:
            await send({"type": "http.response.body", "body": b""})
            return status
        path = self.storage.data_path(req.bucket, req.key)
        fh = await asyncio.to_thread(path.open, "rb")
        try:
            fh.seek(start)
            remaining = length
            while remaining > 0:
                chunk = await asyncio.to_thread(fh.read, min(256 * 1024, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
        finally:
            fh.close()
        if remaining > 0:
            await send({"type": "http.response.body", "body": b""})
        return status

    async def _list_objects(self, req: S3Request, send: Send, cors: list[tuple[str, str]]) -> int:
        q = req.query
        v2 = q.get("list-type") == "2"
        prefix = q.get("prefix", "")
        delimiter = q.get("delimiter", "")
        max_keys = min(int(q.get("max-keys", "1000") or 1000), 1000)
        marker = (q.get("continuation-token") and base64.urlsafe_b64decode(q["continuation-token"]).decode()) \
            or q.get("start-after", "") if v2 else q.get("marker", "")
        contents: list[ObjectMeta] = []
        prefixes: list[str] = []
        truncated = False
        last = ""
        for meta in self.storage.list(req.bucket):
            if not meta.key.startswith(prefix) or (marker and meta.key <= marker):
                continue
            if delimiter:
                idx = meta.key.find(delimiter, len(prefix))
                if idx >= 0:
                    common = meta.key[: idx + len(delimiter)]
                    if prefixes and prefixes[-1] == common:
                        continue
                    if marker and common <= marker:
                        continue
                    if len(contents) + len(prefixes) >= max_keys:
                        truncated = True
                        break
                    prefixes.append(common)
                    last = common
                    continue
            if len(contents) + len(prefixes) >= max_keys:
                truncated = True
                break
            contents.append(meta)
            last = meta.key
        enc = q.get("encoding-type") == "url"

        def k(text: str) -> str:
            return escape(quote(text, safe="/") if enc else text)

        parts = [f'<ListBucketResult xmlns="{_XMLNS}"><Name>{escape(req.bucket)}</Name><Prefix>{k(prefix)}</Prefix>']
        if v2:
            parts.append(f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount>")
            if q.get("continuation-token"):
                parts.append(f"<ContinuationToken>{escape(q['continuation-token'])}</ContinuationToken>")
            if truncated:
                token = base64.urlsafe_b64encode(last.encode()).decode()
                parts.append(f"<NextContinuationToken>{token}</NextContinuationToken>")
            if q.get("start-after"):
                parts.append(f"<StartAfter>{k(q['start-after'])}</StartAfter>")
        else:
            parts.append(f"<Marker>{k(marker)}</Marker>")
            if truncated:
                parts.append(f"<NextMarker>{k(last)}</NextMarker>")
        parts.append(f"<MaxKeys>{max_keys}</MaxKeys>")
        if delimiter:
            parts.append(f"<Delimiter>{escape(delimiter)}</Delimiter>")
        if enc:
            parts.append("<EncodingType>url</EncodingType>")
        parts.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
        for meta in contents:
            parts.append(f"<Contents><Key>{k(meta.key)}</Key><LastModified>{_iso(meta.last_modified)}</LastModified>"
                         f"<ETag>{escape(meta.etag)}</ETag><Size>{meta.size}</Size>"
                         f"<StorageClass>STANDARD</StorageClass></Contents>")
        for common in prefixes:
            parts.append(f"<CommonPrefixes><Prefix>{k(common)}</Prefix></CommonPrefixes>")
        parts.append("</ListBucketResult>")
        return await _xml(send, cors, "".join(parts))

    async def _delete_objects(self, req: S3Request, send: Send, cors: list[tuple[str, str]]) -> int:
        body = b"".join(await _read_body(req.receive, 10 * 1024 * 1024))
        root = ElementTree.fromstring(body)
        prefix = f"{{{_XMLNS}}}" if root.tag.startswith("{") else ""

        def find(element: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
            return element.findall(prefix + tag)

        quiet = any((q.text or "").lower() == "true" for q in find(root, "Quiet"))
        deleted = []
        for obj in find(root, "Object"):
            key_el = find(obj, "Key")
            if not key_el:
                continue
            key = key_el[0].text or ""
            self.storage.delete(req.bucket, key)
            deleted.append(key)
        items = "" if quiet else "".join(f"<Deleted><Key>{escape(k)}</Key></Deleted>" for k in deleted)
        return await _xml(send, cors, f'<DeleteResult xmlns="{_XMLNS}">{items}</DeleteResult>')

    async def _post_upload(self, req: S3Request, send: Send, cors: list[tuple[str, str]]) -> int:
        """A browser form upload with a presigned POST policy."""
        self.storage._require(req.bucket)
        content_type = req.headers.get("content-type", "")
        match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
        if "multipart/form-data" not in content_type or not match:
            raise S3Error(400, "InvalidArgument", "POST requires multipart/form-data")
        raw = b"".join(await _read_body(req.receive, self.max_upload_bytes + 1024 * 1024))
        fields, file_name, file_data, file_type = _parse_multipart(raw, match.group(1).encode())
        if file_data is None:
            raise S3Error(400, "InvalidArgument", "POST requires a file field", ArgumentName="file")
        lower = {k.lower(): v for k, v in fields.items()}
        key = lower.get("key", "")
        if not key:
            raise S3Error(400, "InvalidArgument", "Bucket POST must contain a field named 'key'", ArgumentName="key")
        key = key.replace("${filename}", file_name or "")
        if "policy" not in lower:
            raise S3Error(403, "AccessDenied", "Bucket POST must contain a field named 'policy'")
        if self.verifier is not None:
            try:
                self.verifier.verify_post_policy(lower)
            except SignatureError as err:
                raise S3Error(err.status, err.code, err.message, **err.extra) from None
        _check_policy(lower["policy"], req.bucket, key, lower, len(file_data))
        ctype = lower.get("content-type") or file_type or ""
        meta = await self._store(req.bucket, key, [file_data], content_type=ctype,
                                 metadata={k[len("x-amz-meta-"):]: v for k, v in lower.items()
                                           if k.startswith("x-amz-meta-")},
                                 headers={h: lower[h] for h in ("content-disposition", "cache-control") if h in lower})
        status = int(lower.get("success_action_status", "204") or 204)
        if status not in (200, 201, 204):
            status = 204
        location = f"{PREFIX}/{quote(req.bucket)}/{quote(key)}"
        headers = cors + [("etag", meta.etag), ("location", location)]
        if status == 201:
            body = (f"<PostResponse><Location>{escape(location)}</Location><Bucket>{escape(req.bucket)}</Bucket>"
                    f"<Key>{escape(key)}</Key><ETag>{escape(meta.etag)}</ETag></PostResponse>")
            return await _respond(send, 201, headers + [("content-type", "application/xml")], body.encode())
        return await _respond(send, status, headers, b"")


# --- helpers -----------------------------------------------------------------------------------------

def _user_metadata(headers: dict[str, str]) -> dict[str, str]:
    return {k[len("x-amz-meta-"):]: v for k, v in headers.items() if k.startswith("x-amz-meta-")}


def _stored_headers(headers: dict[str, str]) -> dict[str, str]:
    keep = ("content-disposition", "cache-control", "content-encoding", "content-language", "expires")
    return {k: headers[k] for k in keep if k in headers}


def _check_policy(policy_b64: str, bucket: str, key: str, fields: dict[str, str], size: int) -> None:
    try:
        policy = json.loads(base64.b64decode(policy_b64))
    except ValueError:
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    expiration = policy.get("expiration")
    if expiration:
        try:
            expires_at = datetime.fromisoformat(expiration).timestamp()
        except ValueError:
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.") from None
        if time.time() > expires_at:
            raise S3Error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    values = dict(fields)
    values["bucket"] = bucket
    values["key"] = key
    for cond in policy.get("conditions", []):
        if isinstance(cond, dict):
            for name, expected in cond.items():
                if values.get(name.lower(), "") != str(expected):
                    raise S3Error(403, "AccessDenied",
                                  f"Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\", "
                                  f"\"{expected}\"]")
            continue
        op = str(cond[0]).lower()
        if op == "content-length-range":
            low, high = int(cond[1]), int(cond[2])
            if size < low:
                raise S3Error(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                              ProposedSize=str(size), MinSizeAllowed=str(low))
            if size > high:
                raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                              ProposedSize=str(size), MaxSizeAllowed=str(high))
            continue
        name = str(cond[1]).lstrip("$").lower()
        expected = str(cond[2])
        actual = values.get(name, "")
        if (op == "eq" and actual != expected) or (op == "starts-with" and not actual.startswith(expected)):
            raise S3Error(403, "AccessDenied",
                          f"Invalid according to Policy: Policy Condition failed: [\"{op}\", \"${name}\", "
                          f"\"{expected}\"]")


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, str], str | None, bytes | None, str | None]:
    fields: dict[str, str] = {}
    file_name = file_type = None
    file_data = None
    for part in body.split(b"--" + boundary):
        if part in (b"", b"--", b"--\r\n", b"\r\n") or part.startswith(b"--"):
            continue
        part = part[2:] if part.startswith(b"\r\n") else part
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition, ptype = "", None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value
            elif name.strip().lower() == "content-type":
                ptype = value.strip()
        name_m = re.search(r'\bname="([^"]*)"', disposition)
        if not name_m:
            continue
        field_name = name_m.group(1)
        filename_m = re.search(r'filename="([^"]*)"', disposition)
        if field_name.lower() == "file":
            file_data = content
            file_name = filename_m.group(1) if filename_m else None
            file_type = ptype
            break  # S3 ignores fields after the file
        fields[field_name] = content.decode("utf-8", "replace")
    return fields, file_name, file_data, file_type


def _decode_aws_chunked(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(data):
        line_end = data.index(b"\r\n", pos)
        size = int(data[pos:line_end].split(b";", 1)[0], 16)
        pos = line_end + 2
        if size == 0:
            break
        out += data[pos:pos + size]
        pos += size + 2
    return bytes(out)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):
        length = int(m.group(2))
        return (max(0, size - length), size - 1) if length else None
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size:
        return None
    return start, min(end, size - 1)


async def _read_body(receive: Receive, limit: int) -> list[bytes]:
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise S3Error(400, "IncompleteBody", "The client disconnected")
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body"):
            return chunks


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _respond(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> int:
    hdrs = [(k.encode(), v.encode("latin-1", "replace")) for k, v in headers]
    if status not in (204, 304):
        hdrs.append((b"content-length", str(len(body)).encode()))
    hdrs.append((b"x-amz-request-id", uuid.uuid4().hex[:16].upper().encode()))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})
    return status


async def _xml(send: Send, cors: list[tuple[str, str]], xml: str) -> int:
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()
    return await _respond(send, 200, cors + [("content-type", "application/xml")], body)


def _error_xml(err: S3Error, req: S3Request) -> bytes:
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in err.extra.items())
    resource = f"/{req.bucket}/{req.key}" if req.key else f"/{req.bucket}"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{err.code}</Code>'
            f"<Message>{escape(err.message)}</Message>{extra}<Resource>{escape(resource)}</Resource>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()
