"""The mails the operations jobs send to agent owners, and the audit entries that go with them.

A mail's id names the event it reports, so the same event always produces the same id (see
`a2g.adapters.mail`): `health-disabled:<incident>`, `health-recovered:<incident>`,
`lifecycle-<rule>-warning:<agent>@<reference time>`, `lifecycle-<rule>-done:<agent>@<reference time>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from a2g.adapters.mail import Mail
from a2g.operations.ports import AgentView


@dataclass(frozen=True)
class NoticeContext:
    public_url: str

    def agent_link(self, agent: AgentView) -> str:
        return f"{self.public_url.rstrip('/')}/my-agents/{agent.agent_id}"


def health_disabled(ctx: NoticeContext, agent: AgentView, to: str, incident_id: str, failures: int,
                    last_error: str | None) -> Mail:
    return Mail(
        mail_id=f"health-disabled:{incident_id}",
        to=to,
        kind="health-disabled",
        subject=f"[A2G] Your agent '{agent.name}' was disabled: it stopped answering",
        body=(
            f"Your agent '{agent.name}' ({agent.agent_id}) failed {failures} health checks in a row and has "
            f"been disabled, so colleagues no longer see it in the catalogue.\n\n"
            f"Last error: {last_error or 'unknown'}\n\n"
            "The platform keeps checking it. When it answers again it is published again automatically "
            "and you will get another mail.\n\n"
            f"{ctx.agent_link(agent)}\n"
        ),
    )


def health_recovered(ctx: NoticeContext, agent: AgentView, to: str, incident_id: str) -> Mail:
    return Mail(
        mail_id=f"health-recovered:{incident_id}",
        to=to,
        kind="health-recovered",
        subject=f"[A2G] Your agent '{agent.name}' answers again and is published again",
        body=(
            f"Your agent '{agent.name}' ({agent.agent_id}) answers its health checks again. It was disabled "
            "because it had stopped answering; it is back in the catalogue now.\n\n"
            f"{ctx.agent_link(agent)}\n"
        ),
    )


def lifecycle_warning(ctx: NoticeContext, agent: AgentView, to: str, rule: str, reference: str,
                      idle_days: int, threshold_days: int, due: str) -> Mail:
    if rule == "unused":
        what = f"has not been used for {idle_days} days. Published agents unused for {threshold_days} days"
        consequence = "are disabled"
        keep = "Use it (for example, chat with it once) to keep it published."
    else:
        what = (f"has not been modified for {idle_days} days. Development agents unmodified for "
                f"{threshold_days} days")
        consequence = "are deleted with their chat sessions, messages and files"
        keep = "Edit it (or publish it) to keep it."
    return Mail(
        mail_id=f"lifecycle-{rule}-warning:{agent.agent_id}@{reference}",
        to=to,
        kind=f"lifecycle-{rule}-warning",
        subject=f"[A2G] Your agent '{agent.name}' will be {'disabled' if rule == 'unused' else 'deleted'} "
                f"on {due[:10]}",
        body=(
            f"Your agent '{agent.name}' ({agent.agent_id}) {what} {consequence}.\n\n"
            f"This will happen on or after {due}. {keep}\n\n{ctx.agent_link(agent)}\n"
        ),
    )


def lifecycle_done(ctx: NoticeContext, agent: AgentView, to: str, rule: str, reference: str,
                   idle_days: int) -> Mail:
    if rule == "unused":
        subject = f"[A2G] Your agent '{agent.name}' was disabled after {idle_days} days without use"
        body = (
            f"Your agent '{agent.name}' ({agent.agent_id}) was not used for {idle_days} days and has been "
            "disabled. You can publish it again from your workspace at any time.\n\n"
            f"{ctx.agent_link(agent)}\n"
        )
    else:
        subject = f"[A2G] Your development agent '{agent.name}' was deleted after {idle_days} days"
        body = (
            f"Your development agent '{agent.name}' ({agent.agent_id}) was not modified for {idle_days} days "
            "and has been deleted, together with its chat sessions, messages and files.\n"
        )
    return Mail(
        mail_id=f"lifecycle-{rule}-done:{agent.agent_id}@{reference}",
        to=to,
        kind=f"lifecycle-{rule}-done",
        subject=subject,
        body=body,
    )
