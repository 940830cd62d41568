"""The enterprise development set (``enterprise_catalogue.json`` beside this file) and its usage histories.

Written for the A2G ranking benchmark, beside MetaTool: 78 agents of 11 departments (engineering, data,
legal, HR, finance, support, sales, security, marketing, IT/office, product) whose descriptions are
English, Korean or both mixed; near-duplicate "confusers" (``conf-*``: a legacy expense tool, a
Japanese-only translator, a SQL tutor, …); 246 requests, each written for one agent in English, Korean
or mixed Korean/English, in a user's words rather than the description's.

Graded judgements (nDCG gains): 3 the agent a request was written for, 2 the agents in its ``near``
list, 1 any other agent of its department, 0 the rest.

Usage histories (:func:`histories`) are generated, seeded, from a small model of how a company uses
agents — written down here so that what the history ranker may learn from is explicit:

* 25 users in 5 teams of 5; each team has a core of 6–7 agents its members adopt with probability 0.6;
* workflows: bundles of agents used together across teams (travel: booking → policy → expense →
  corporate card; hiring: job ad → screening → interviews; …). Each user follows 1–2 bundles (one that
  overlaps their team's core when there is one, else any) and adopts the bundle's agents in order, a
  few weeks apart;
* each user also tries 2 agents at random, once or twice;
* an adopted agent is used as a Poisson process at a per-user rate (log-normal, median 1.5 a week)
  from its adoption day to day 120.

Evaluation splits every user's events at day 100: what was used before is the history the ranker gets
(own use, team and global popularity, co-usage across users), what is used after is the truth, graded
by count (1 use: 1, 2–4: 2, 5+: 3). "next" judges every agent used after the split; "new" judges only
agents the user had not used before it (discovery), with the user's own earlier agents left out of
every method's list.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "enterprise_catalogue.json"

DAY = 86_400.0
SPLIT_DAY = 100
END_DAY = 120
EPOCH0 = 1_760_000_000.0  # day 0 of the simulated period

TEAMS: dict[str, list[str]] = {
    "platform": ["eng-code-review", "eng-ci-doctor", "eng-k8s-helper", "eng-oncall-runbook", "sec-vuln", "it-helpdesk"],
    "data": ["dat-sql-helper", "dat-dashboard", "dat-quality", "dat-etl", "dat-catalog", "it-doc-summary"],
    "people": ["hr-leave", "hr-recruiting", "hr-interview", "leg-contract-review", "leg-nda", "it-email-writer"],
    "finance": ["fin-expense", "fin-invoice", "fin-close", "fin-budget", "fin-tax", "it-translator"],
    "gtm": ["sal-crm", "sal-proposal", "sal-quote", "sup-triage", "sup-reply", "mkt-copywriter", "it-meeting-summary"],
}

BUNDLES: list[list[str]] = [
    ["it-travel-booking", "fin-travel-policy", "fin-expense", "fin-card"],
    ["dat-sql-helper", "dat-catalog", "dat-dashboard"],
    ["eng-oncall-runbook", "eng-incident-commander", "conf-incident-bot"],
    ["leg-contract-review", "leg-nda", "leg-legal-qa"],
    ["hr-jd-writer", "hr-recruiting", "hr-interview"],
    ["it-meeting-summary", "it-email-writer", "conf-summary-en"],
    ["sal-proposal", "sal-quote", "it-slides"],
    ["sup-triage", "sup-reply", "sup-faq", "sup-refund"],
    ["mkt-copywriter", "mkt-social", "mkt-brand"],
    ["pm-research", "pm-prd-writer", "pm-roadmap"],
    ["sec-phishing", "sec-incident-response"],
    ["hr-leave", "hr-benefits", "hr-payroll"],
    ["it-helpdesk", "it-laptop", "conf-helpdesk-mac"],
    ["it-translator", "conf-translator-ja"],
]


@dataclass(frozen=True)
class Request:
    text: str
    language: str  # "en", "ko", "mix"
    gains: dict[str, int]  # agent id -> grade (1..3); absent = 0


@dataclass(frozen=True)
class Event:
    user: str
    agent: str
    day: float


def load() -> dict:
    data: dict = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def requests(data: dict) -> list[Request]:
    agents = data["agents"]
    by_domain: dict[str, list[str]] = defaultdict(list)
    for agent in agents:
        by_domain[agent["domain"]].append(agent["id"])
    result = []
    for agent in agents:
        gains = {other: 1 for other in by_domain[agent["domain"]]}
        for near in agent["near"]:
            gains[near] = 2
        gains[agent["id"]] = 3
        for language in ("en", "ko", "mix"):
            for text in agent["requests"].get(language, []):
                result.append(Request(text, language, dict(gains)))
    return result


def users() -> dict[str, str]:
    """user id -> team (5 per team)."""
    return {f"{team}-{i}": team for team in TEAMS for i in range(5)}


def histories(seed: int = 11) -> list[Event]:
    """Every use by every user over the 120 days (see the module docstring)."""
    rng = random.Random(seed)
    all_agents = [a["id"] for a in load()["agents"]]
    events: list[Event] = []
    for user, team in users().items():
        adopted: dict[str, float] = {}
        for agent in TEAMS[team]:
            if rng.random() < 0.6:
                adopted[agent] = rng.uniform(0, END_DAY - 5)
        overlapping = [b for b in BUNDLES if set(b) & set(TEAMS[team])]
        chosen = [rng.choice(overlapping or BUNDLES)]
        if rng.random() < 0.6:
            chosen.append(rng.choice(BUNDLES))
        for bundle in chosen:
            day = rng.uniform(0, 70)
            for agent in bundle:
                adopted.setdefault(agent, day)
                day += rng.uniform(7, 28)
                if day >= END_DAY:
                    break
        for agent, start in adopted.items():
            rate = math.exp(rng.gauss(math.log(1.5), 0.8)) / 7.0  # uses per day
            day = start
            while True:
                day += rng.expovariate(rate)
                if day >= END_DAY:
                    break
                events.append(Event(user, agent, day))
            if not any(e.user == user and e.agent == agent for e in events[-50:]):
                events.append(Event(user, agent, min(start + 1, END_DAY - 0.1)))
        for agent in rng.sample(all_agents, 2):
            for _ in range(rng.randint(1, 2)):
                events.append(Event(user, agent, rng.uniform(0, END_DAY)))
    events.sort(key=lambda e: e.day)
    return events


@dataclass(frozen=True)
class HistoryCase:
    user: str
    team: str
    own: list[tuple[str, int, float]]  # (agent, uses, last used epoch) before the split
    truth_next: dict[str, int]  # graded agents used after the split
    truth_new: dict[str, int]  # ... of them, the ones not used before


def history_cases(events: list[Event]) -> tuple[list[HistoryCase], list[Event]]:
    """One case per user with uses after the split; also the events before it (what rankers may see)."""
    before = [e for e in events if e.day < SPLIT_DAY]
    after = [e for e in events if e.day >= SPLIT_DAY]
    team_of = users()
    cases = []
    for user, team in team_of.items():
        mine = [e for e in before if e.user == user]
        counts = Counter(e.agent for e in mine)
        last = {e.agent: e.day for e in mine}
        later = Counter(e.agent for e in after if e.user == user)
        if not later:
            continue
        graded = {a: (1 if n == 1 else 2 if n <= 4 else 3) for a, n in later.items()}
        cases.append(
            HistoryCase(
                user=user,
                team=team,
                own=[(a, n, EPOCH0 + last[a] * DAY) for a, n in counts.items()],
                truth_next=graded,
                truth_new={a: g for a, g in graded.items() if a not in counts},
            )
        )
    return cases, before


def now_epoch() -> float:
    return EPOCH0 + SPLIT_DAY * DAY


def ndcg(ordered: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** gains.get(a, 0) - 1) / math.log2(i + 2) for i, a in enumerate(ordered[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best > 0 else 0.0


def recall(ordered: list[str], gains: dict[str, int], k: int = 5, grade: int = 3) -> float:
    wanted = {a for a, g in gains.items() if g >= grade} or set(gains)
    return len(wanted & set(ordered[:k])) / len(wanted)


def mrr(ordered: list[str], gains: dict[str, int], grade: int = 3) -> float:
    wanted = {a for a, g in gains.items() if g >= grade} or set(gains)
    for i, a in enumerate(ordered):
        if a in wanted:
            return 1.0 / (i + 1)
    return 0.0
