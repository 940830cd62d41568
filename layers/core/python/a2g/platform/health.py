"""`GET /api/health`: one cheap probe per store, so an outage is named instead of answered 500.

Each probe is one data-plane request with short timeouts and no retries (a health check that waits through
botocore's retries would answer after the load balancer gave up): DynamoDB a GetItem of a key that never
exists in the platform table, S3 a HeadBucket of the files bucket. The answer is 200 when every store
answers, 503 with the stores that are down otherwise; the scheduler heartbeat is read only when DynamoDB is up.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from a2g.errors import STORAGE_RETRY_AFTER_SECONDS, is_storage_outage
from a2g.log import logger

Probe = Callable[[], None]


@dataclass(frozen=True)
class HealthReport:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]


class HealthService:
    def __init__(self, probes: Mapping[str, Probe], heartbeats: Callable[[], dict[str, Any]]):
        self._probes = dict(probes)
        self._heartbeats = heartbeats
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(self._probes)),
                                                           thread_name_prefix="health")

    def check(self) -> HealthReport:
        futures = {name: self._pool.submit(probe) for name, probe in self._probes.items()}
        stores: dict[str, str] = {}
        for name, future in futures.items():
            try:
                future.result()
                stores[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure of a probe means that store is not usable
                # Only the kind of failure goes to the log: the store's URL and the error text stay out of the
                # answer (it is public), and outages are expected conditions, not bugs.
                logger.warning("health probe failed", extra={"store": name, "error_type": type(exc).__name__,
                                                             "outage": is_storage_outage(exc)})
                stores[name] = "down"
        down = [name for name, state in stores.items() if state != "ok"]
        schedules: dict[str, Any] | None = None
        if stores.get("dynamodb") == "ok":
            try:
                schedules = self._heartbeats()
            except Exception as exc:  # noqa: BLE001 - it answered the probe a moment ago; report, do not fail
                logger.warning("heartbeat read failed", extra={"error_type": type(exc).__name__})
                stores["dynamodb"] = "down"
                down.append("dynamodb")
        body: dict[str, Any] = {
            "status": "degraded" if down else "ok",
            "storage": "down" if down else "ok",
            "stores": stores,
            "schedules": schedules,
        }
        if down:
            return HealthReport(503, body, {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)})
        return HealthReport(200, body, {})


def build_health_service() -> HealthService:
    from a2g.adapters.aws import probe_client
    from a2g.platform.heartbeat import HeartbeatRepository
    from a2g.settings import get_settings

    settings = get_settings()
    dynamodb, s3 = probe_client("dynamodb"), probe_client("s3")

    def dynamodb_probe() -> None:
        dynamodb.get_item(TableName=settings.platform_table,
                          Key={"pk": {"S": "HEALTH"}, "sk": {"S": "PROBE"}}, ProjectionExpression="pk")

    def s3_probe() -> None:
        s3.head_bucket(Bucket=settings.files_bucket)

    return HealthService({"dynamodb": dynamodb_probe, "s3": s3_probe}, HeartbeatRepository().latest)
