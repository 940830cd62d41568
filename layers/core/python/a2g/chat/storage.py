"""Attachment bytes in S3: presigned uploads and downloads, reads for agents, deletion.

Browsers upload and download directly with presigned URLs, so file bytes never pass through a Lambda.
The URLs are signed for `settings.s3_public_endpoint_url` when set (the local runtime serves S3 on its
own port and sets it; on AWS it is unset and boto3 signs for the regional endpoint), while the platform's
own reads and deletes use the internal endpoint (`AWS_ENDPOINT_URL`, or AWS).
"""

from __future__ import annotations

import os
from typing import Any, Protocol
from urllib.parse import quote

from a2g.errors import PayloadTooLarge


class FileStorage(Protocol):
    def presign_upload(self, key: str, *, content_type: str, size: int, expires_s: int) -> dict[str, Any]: ...

    def presign_download(
        self, key: str, *, file_name: str, content_type: str, inline: bool, expires_s: int
    ) -> str: ...

    def object_size(self, key: str) -> int | None: ...

    def read(self, key: str, max_bytes: int) -> bytes: ...

    def delete(self, keys: list[str]) -> None: ...


def content_disposition(file_name: str, *, inline: bool) -> str:
    """RFC 6266 with an ASCII fallback and the UTF-8 name (Korean file names survive)."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


class S3FileStorage:
    def __init__(self, bucket: str, *, internal_client: Any, presign_client: Any):
        self._bucket = bucket
        self._s3 = internal_client
        self._presign = presign_client

    @classmethod
    def from_settings(cls) -> S3FileStorage:
        from a2g.aws_session import shared_client
        from a2g.settings import get_settings

        settings = get_settings()
        # None lets boto3 read AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL itself (the local runtime sets the first).
        internal_endpoint = settings.aws_endpoint_url
        public_endpoint = settings.s3_public_endpoint_url or internal_endpoint
        emulated = bool(
            settings.s3_public_endpoint_url
            or settings.aws_endpoint_url
            or os.environ.get("AWS_ENDPOINT_URL_S3")
        )

        def make(endpoint: str | None, read_timeout: int) -> Any:
            # Emulators and the local runtime serve every bucket under one host: path-style addressing.
            s3_config: dict[str, Any] = {"addressing_style": "path"} if emulated else {}
            return shared_client(  # the process's botocore session; one client per endpoint and config
                "s3",
                region=settings.aws_region,
                endpoint_url=endpoint,
                signature_version="s3v4",
                s3=s3_config,
                connect_timeout=3,
                read_timeout=read_timeout,
                retries={"max_attempts": 2, "mode": "standard"},
            )

        return cls(settings.files_bucket, internal_client=make(internal_endpoint, 30),
                   presign_client=make(public_endpoint, 10))  # fmt: skip

    def presign_upload(self, key: str, *, content_type: str, size: int, expires_s: int) -> dict[str, Any]:
        """A presigned POST that S3 accepts only for exactly `size` bytes of `content_type` at `key`."""
        post = self._presign.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", size, size],
            ],
            ExpiresIn=expires_s,
        )
        return {"url": post["url"], "fields": post["fields"]}

    def presign_download(
        self, key: str, *, file_name: str, content_type: str, inline: bool, expires_s: int
    ) -> str:
        return str(
            self._presign.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": content_disposition(file_name, inline=inline),
                },
                ExpiresIn=expires_s,
            )
        )

    def object_size(self, key: str) -> int | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except Exception as exc:  # botocore ClientError 404 / NoSuchKey
            status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if status == 404 or code in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head.get("ContentLength", 0))

    def read(self, key: str, max_bytes: int) -> bytes:
        body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"]
        try:
            data: bytes = body.read(max_bytes + 1)
        finally:
            body.close()
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes")
        return data

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = keys[start : start + 1000]
            if batch:
                self._s3.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
