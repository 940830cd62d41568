"""AWS Signature Version 4 for the local S3, verified the way S3 does it.

The runtime hands its functions one access key (`AWS_ACCESS_KEY_ID=local`) and a secret generated once per
data dir (`<data>/aws-secret-access-key`, mode 0600); every request to `/_s3` must be signed with them:

- header auth (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`), what boto3
  sends: the canonical request is rebuilt from the request as received, with exactly the headers the client
  signed; `X-Amz-Date` must be within 15 minutes of the server's clock (`RequestTimeTooSkewed`);
- presigned URLs (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
  `X-Amz-SignedHeaders`, `X-Amz-Signature`), what browsers use: also refused once `X-Amz-Date +
  X-Amz-Expires` has passed (403 `AccessDenied` "Request has expired"), and `X-Amz-Expires` is at most 7 days;
  Signature Version 2 presigned URLs (`AWSAccessKeyId`, `Signature`, `Expires`: what boto3's default S3
  client presigns) are verified with botocore's own HmacV1 canonical string and refused after `Expires`;
- presigned POST forms (browser uploads): `x-amz-signature` is the HMAC of the base64 policy.

Failures are S3's own: 403 `InvalidAccessKeyId`, 403 `SignatureDoesNotMatch` (with the string to sign, as
S3 returns it), 403 `AccessDenied`, 400 `AuthorizationHeaderMalformed` / `AuthorizationQueryParametersError`.
A Signature Version 2 `Authorization` header is refused (400 `InvalidRequest`), as in every region opened
since 2014.

Not checked (a signature over them is still required): the body against a hex `x-amz-content-sha256`, and
the per-chunk signatures of `aws-chunked` uploads.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_AUTH_HEADER = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)")


class SignatureError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


@dataclass(frozen=True)
class SignedRequest:
    """The parts of a request a signature covers, as received (raw path and query, header values)."""

    method: str
    raw_path: str  # percent-encoded, as sent
    raw_query: str  # percent-encoded, as sent
    headers: Mapping[str, str]  # lower-cased names; repeated headers comma-joined
    # Signature Version 2 signs "/<bucket>/<key>", without the prefix the service is mounted under (/_s3).
    mount_prefix: str = ""
    # Services other than S3 sign the body's hash without sending it in x-amz-content-sha256.
    body: bytes | None = None


def header_map(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """An ASGI scope's headers the way `SignedRequest.headers` holds them: names lower-cased, the values of
    a repeated header comma-joined in order (as SigV4 canonicalises them)."""
    headers: dict[str, str] = {}
    for k, v in raw_headers:
        name, value = k.decode("latin-1").lower(), v.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """Decoded (name, value) pairs; '+' is a plus sign, as S3 reads it (clients send spaces as %20)."""
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs: list[tuple[str, str]], *, without: str | None = None) -> str:
    encoded = sorted((_uri_encode(k), _uri_encode(v)) for k, v in pairs if k != without)
    return "&".join(f"{k}={v}" for k, v in encoded)


def canonical_request(req: SignedRequest, signed_headers: list[str], payload_hash: str,
                      query: str, *, encode_path_again: bool = False) -> str:
    lines = []
    for name in signed_headers:
        value = req.headers.get(name)
        if value is None:
            raise SignatureError(403, "AccessDenied", f"There were headers present in the request which were not "
                                                      f"signed: the signed header {name!r} is missing")
        lines.append(f"{name}:{' '.join(value.strip().split())}\n")
    # S3 does not normalise the path: the canonical URI is the path exactly as it was sent. Every other
    # service URI-encodes the (already encoded) path once more, as botocore's SigV4Auth does.
    path = req.raw_path or "/"
    if encode_path_again:
        path = quote(path, safe="/~")
    return "\n".join([req.method, path, query, "".join(lines), ";".join(signed_headers),
                      payload_hash])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _parse_credential(credential: str, malformed: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not re.fullmatch(r"\d{8}", parts[1]):
        raise SignatureError(400, malformed, "the Credential must be <key id>/<yyyymmdd>/<region>/<service>/"
                                             "aws4_request")
    return parts[0], parts[1], parts[2], parts[3]


def _parse_amz_date(value: str, malformed: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError:
        raise SignatureError(400, malformed, "X-Amz-Date must be yyyymmddThhmmssZ") from None


class SigV4Verifier:
    """Checks a request's SigV4 signature against the runtime's credentials (access key id -> secret)."""

    def __init__(self, credentials: Mapping[str, str], *, service: str = "s3",
                 now: Callable[[], float] = time.time):
        self.credentials = dict(credentials)
        self.service = service
        self._now = now

    def _secret(self, key_id: str) -> str:
        secret = self.credentials.get(key_id)
        if secret is None:
            raise SignatureError(403, "InvalidAccessKeyId",
                                 "The AWS Access Key Id you provided does not exist in our records.",
                                 AWSAccessKeyId=key_id)
        return secret

    def _compare(self, expected_key: bytes, string_to_sign: str, signature: str, key_id: str) -> None:
        expected = hmac.new(expected_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise SignatureError(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                "you provided. Check your key and signing method.", AWSAccessKeyId=key_id,
                StringToSign=string_to_sign, SignatureProvided=signature)

    def _scope_checks(self, date: str, service: str, amz_date: str, malformed: str) -> None:
        if service != self.service:
            raise SignatureError(400, malformed, f"the credential is for service {service!r}, not {self.service!r}")
        if not amz_date.startswith(date):
            raise SignatureError(400, malformed, "the Credential date does not match X-Amz-Date")

    # -- the two ways to sign a request -----------------------------------------------------------------
    def verify(self, req: SignedRequest) -> str:
        """Verify header or query authentication; returns the access key id. Raises SignatureError."""
        pairs = _query_pairs(req.raw_query)
        names = {k for k, _ in pairs}
        if "X-Amz-Signature" in names or "X-Amz-Algorithm" in names or "X-Amz-Credential" in names:
            return self._verify_presigned(req, pairs)
        if "Signature" in names or "AWSAccessKeyId" in names:
            return self._verify_v2_query(req, dict(pairs))
        authorization = req.headers.get("authorization")
        if authorization:
            return self._verify_header(req, pairs, authorization)
        raise SignatureError(403, "AccessDenied", "Access Denied")

    def _verify_header(self, req: SignedRequest, pairs: list[tuple[str, str]], authorization: str) -> str:
        if authorization.startswith("AWS "):
            raise SignatureError(400, "InvalidRequest", "Please use AWS4-HMAC-SHA256 (Signature Version 2 is "
                                                        "not supported).")
        match = _AUTH_HEADER.fullmatch(authorization.strip())
        if not match:
            raise SignatureError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.")
        credential, signed, signature = match.groups()
        key_id, date, region, service = _parse_credential(credential, "AuthorizationHeaderMalformed")
        amz_date = req.headers.get("x-amz-date", "")
        if not amz_date:
            raise SignatureError(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
        signed_at = _parse_amz_date(amz_date, "AuthorizationHeaderMalformed")
        self._scope_checks(date, service, amz_date, "AuthorizationHeaderMalformed")
        secret = self._secret(key_id)
        now = self._now()
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise SignatureError(403, "RequestTimeTooSkewed", "The difference between the request time and the "
                                 "current time is too large.", RequestTime=amz_date, ServerTime=_iso(now),
                                 MaxAllowedSkewMilliseconds=str(MAX_SKEW_SECONDS * 1000))
        signed_headers = signed.split(";")
        if "host" not in signed_headers:
            raise SignatureError(400, "AuthorizationHeaderMalformed", "the host header must be signed")
        payload_hash = req.headers.get("x-amz-content-sha256")
        if not payload_hash and self.service != "s3" and req.body is not None:
            payload_hash = hashlib.sha256(req.body).hexdigest()
        if not payload_hash:
            raise SignatureError(400, "InvalidRequest", "Missing required header for this request: "
                                                        "x-amz-content-sha256")
        canonical = canonical_request(req, signed_headers, payload_hash, canonical_query(pairs),
                                      encode_path_again=self.service != "s3")
        string_to_sign = "\n".join([ALGORITHM, amz_date, f"{date}/{region}/{service}/aws4_request",
                                    hashlib.sha256(canonical.encode()).hexdigest()])
        self._compare(signing_key(secret, date, region, service), string_to_sign, signature, key_id)
        return key_id

    def _verify_presigned(self, req: SignedRequest, pairs: list[tuple[str, str]]) -> str:
        q = dict(pairs)
        malformed = "AuthorizationQueryParametersError"
        missing = [n for n in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                               "X-Amz-SignedHeaders", "X-Amz-Signature") if not q.get(n)]
        if missing:
            raise SignatureError(400, malformed, f"Query-string authentication version 4 requires the "
                                                 f"{', '.join(missing)} parameter(s).")
        if q["X-Amz-Algorithm"] != ALGORITHM:
            raise SignatureError(400, malformed, f"X-Amz-Algorithm only supports \"{ALGORITHM}\"")
        key_id, date, region, service = _parse_credential(q["X-Amz-Credential"], malformed)
        signed_at = _parse_amz_date(q["X-Amz-Date"], malformed)
        self._scope_checks(date, service, q["X-Amz-Date"], malformed)
        try:
            expires = int(q["X-Amz-Expires"])
        except ValueError:
            raise SignatureError(400, malformed, "X-Amz-Expires should be a number") from None
        if not 0 <= expires <= MAX_PRESIGN_SECONDS:
            raise SignatureError(400, malformed, "X-Amz-Expires must be between 0 and 604800 seconds")
        secret = self._secret(key_id)
        now = self._now()
        if now > signed_at + expires:
            raise SignatureError(403, "AccessDenied", "Request has expired", **{"X-Amz-Expires": str(expires)},
                                 Expires=_iso(signed_at + expires), ServerTime=_iso(now))
        if signed_at > now + MAX_SKEW_SECONDS:
            raise SignatureError(403, "AccessDenied", "Request is not valid yet")
        signed_headers = q["X-Amz-SignedHeaders"].split(";")
        if "host" not in signed_headers:
            raise SignatureError(400, malformed, "the host header must be signed")
        canonical = canonical_request(req, signed_headers, "UNSIGNED-PAYLOAD",
                                      canonical_query(pairs, without="X-Amz-Signature"))
        string_to_sign = "\n".join([ALGORITHM, q["X-Amz-Date"], f"{date}/{region}/{service}/aws4_request",
                                    hashlib.sha256(canonical.encode()).hexdigest()])
        self._compare(signing_key(secret, date, region, service), string_to_sign, q["X-Amz-Signature"], key_id)
        return key_id

    def _verify_v2_query(self, req: SignedRequest, q: dict[str, str]) -> str:
        """A Signature Version 2 presigned URL (what boto3's default S3 client presigns): botocore's own
        HmacV1 canonical string, with the URL's `Expires` in place of the date."""
        missing = [n for n in ("AWSAccessKeyId", "Signature", "Expires") if not q.get(n)]
        if missing:
            raise SignatureError(403, "AccessDenied", f"Query-string authentication requires the "
                                                      f"{', '.join(missing)} parameter(s)")
        try:
            expires_at = int(q["Expires"])
        except ValueError:
            raise SignatureError(403, "AccessDenied", "Expires must be a number") from None
        secret = self._secret(q["AWSAccessKeyId"])
        now = self._now()
        if now > expires_at:
            raise SignatureError(403, "AccessDenied", "Request has expired", Expires=_iso(expires_at),
                                 ServerTime=_iso(now))
        from botocore.auth import HmacV1Auth
        from botocore.awsrequest import HTTPHeaders
        from botocore.credentials import Credentials

        class _AtExpiry(HmacV1Auth):
            def _get_date(self) -> str:
                return q["Expires"]

        # botocore moves the signed headers (Content-Type, x-amz-*) into the URL's query; a header sent with
        # the request stands for itself.
        signed: dict[str, str] = {k.lower(): v for k, v in q.items()
                                  if k.lower() in ("content-md5", "content-type") or k.lower().startswith("x-amz-")}
        signed.update({k: v for k, v in req.headers.items()
                       if k in ("content-md5", "content-type") or k.startswith("x-amz-")})
        headers = HTTPHeaders()
        for name, value in signed.items():
            headers[name] = value
        signer = _AtExpiry(Credentials(q["AWSAccessKeyId"], secret))
        path = req.raw_path.removeprefix(req.mount_prefix)
        split = urlsplit(f"http://host{path or '/'}?{req.raw_query}")
        string_to_sign = signer.canonical_string(req.method, split, headers)
        if not hmac.compare_digest(signer.sign_string(string_to_sign), q["Signature"]):
            raise SignatureError(
                403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                "you provided. Check your key and signing method.", AWSAccessKeyId=q["AWSAccessKeyId"],
                StringToSign=string_to_sign, SignatureProvided=q["Signature"])
        return q["AWSAccessKeyId"]

    def verify_post_policy(self, fields: Mapping[str, str]) -> str:
        """A presigned POST form (lower-cased field names): x-amz-signature = HMAC(signing key, policy)."""
        malformed = "InvalidArgument"
        if fields.get("x-amz-algorithm") != ALGORITHM or not fields.get("x-amz-signature"):
            raise SignatureError(403, "AccessDenied", "Bucket POST must be signed with AWS4-HMAC-SHA256 (policy, "
                                                      "x-amz-algorithm, x-amz-credential, x-amz-date, "
                                                      "x-amz-signature)")
        key_id, date, region, service = _parse_credential(fields.get("x-amz-credential", ""), malformed)
        amz_date = fields.get("x-amz-date", "")
        _parse_amz_date(amz_date, malformed)
        self._scope_checks(date, service, amz_date, malformed)
        secret = self._secret(key_id)
        self._compare(signing_key(secret, date, region, service), fields.get("policy", ""),
                      fields["x-amz-signature"], key_id)
        return key_id
