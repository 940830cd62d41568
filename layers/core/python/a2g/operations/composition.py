"""The composition root of the operations functions: real repositories and adapters, built from settings.

Each builder is cached per process (a warm Lambda reuses it). Tests build the services themselves with
fakes and never come here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from a2g.adapters.mail import MailOutbox, MailSender, mail_sender_from_settings
from a2g.clock import default_clock
from a2g.operations.audit import AuditService
from a2g.operations.health import HealthCheckService, HealthConfig
from a2g.operations.lifecycle import LifecycleConfig, LifecycleService
from a2g.operations.notices import NoticeContext
from a2g.operations.repository import AuditRepository, HealthRepository, JobCursorRepository
from a2g.operations.stats import StatsService
from a2g.settings import get_settings


class _TimedRequester:
    """The guarded outbound client with the health-check timeout on every request."""

    def __init__(self, client: Any, timeout: float):
        self._client = client
        self._timeout = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("total_timeout", self._timeout)
        kwargs.setdefault("connect_timeout", self._timeout)
        kwargs.setdefault("read_timeout", self._timeout)
        return self._client.request(method, url, **kwargs)


def _outbound() -> Any:
    from a2g.adapters.outbound import OutboundClient

    return OutboundClient.shared()


def mail_sender() -> MailSender | None:
    return mail_sender_from_settings(_outbound())


@lru_cache(maxsize=1)
def _agents() -> Any:
    from a2g.operations.bridges import RegistryAgents

    return RegistryAgents()


@lru_cache(maxsize=1)
def _users() -> Any:
    from a2g.operations.bridges import UserMailDirectory

    return UserMailDirectory(get_settings().mail_default_domain)


def _notice() -> NoticeContext:
    return NoticeContext(public_url=get_settings().public_url)


@lru_cache(maxsize=1)
def stats_service() -> StatsService:
    from a2g.operations.bridges import UserDisplayNames
    from a2g.operations.usage_repository import UsageCounterReader

    settings = get_settings()
    return StatsService(UsageCounterReader(), _agents(), default_clock(), max_days=settings.stats_max_days,
                        users=UserDisplayNames())


@lru_cache(maxsize=1)
def audit_service() -> AuditService:
    from a2g.operations.bridges import UserDisplayNames

    return AuditService(AuditRepository(), default_clock(), agents=_agents(), users=UserDisplayNames())


@lru_cache(maxsize=1)
def health_check_service() -> HealthCheckService:
    from a2g.llms.service import build_llm_registry
    from a2g.operations.bridges import RegistryLlms
    from a2g.operations.probes import AgentProber

    settings = get_settings()
    clock = default_clock()
    return HealthCheckService(
        agents=_agents(),
        checker=AgentProber(_TimedRequester(_outbound(), settings.health_check_timeout_seconds)),
        health=HealthRepository(history_days=settings.health_history_days),
        outbox=MailOutbox(clock),
        sender=mail_sender(),
        users=_users(),
        audit=AuditRepository(),
        cursors=JobCursorRepository(),
        clock=clock,
        llms=RegistryLlms(build_llm_registry()),
        config=HealthConfig(
            failure_threshold=settings.health_check_failure_threshold,
            recovery_threshold=settings.health_recovery_threshold,
            min_spacing_seconds=settings.health_check_min_spacing_seconds,
            batch_size=settings.health_check_batch_size,
        ),
        notice=_notice(),
    )


@lru_cache(maxsize=1)
def lifecycle_service() -> LifecycleService:
    from a2g.operations.bridges import ChatAgentData

    settings = get_settings()
    clock = default_clock()
    health = HealthRepository(history_days=settings.health_history_days)
    return LifecycleService(
        agents=_agents(),
        cleaner=ChatAgentData(),
        outbox=MailOutbox(clock),
        sender=mail_sender(),
        users=_users(),
        audit=AuditRepository(),
        cursors=JobCursorRepository(),
        clock=clock,
        config=LifecycleConfig(
            unused_days=settings.lifecycle_unused_days,
            unmodified_days=settings.lifecycle_unmodified_days,
            warning_days=settings.lifecycle_warning_days,
            dry_run=settings.lifecycle_dry_run,
            batch_size=settings.lifecycle_batch_size,
        ),
        notice=_notice(),
        forget_health=health.forget,
    )
