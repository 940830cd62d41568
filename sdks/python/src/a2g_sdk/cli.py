"""`a2g register --card-url URL` / `a2g register --card FILE`: register an agent from a shell or a CI job.

Reads the API key and the platform URL from A2G_API_KEY and A2G_PLATFORM_URL (or --api-key /
--platform-url). Prints the registered agent as JSON; exit code 1 when the platform refused it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from a2g_sdk.client import A2GError, register


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="a2g", description="A2G Agent Platform command line")
    commands = parser.add_subparsers(dest="command", required=True)
    reg = commands.add_parser("register", help="register (or update) an agent from its A2A card")
    source = reg.add_mutually_exclusive_group(required=True)
    source.add_argument("--card-url", help="the agent's base URL or card URL; the platform fetches the card")
    source.add_argument("--card", type=Path, help="a card JSON file ('-' for standard input)")
    reg.add_argument("--logo-url")
    reg.add_argument("--color", help="#RRGGBB")
    reg.add_argument("--framework", help="A2A (default), AGNO, ADK, LANGGRAPH or CUSTOM")
    reg.add_argument("--api-key", help="default: $A2G_API_KEY")
    reg.add_argument("--platform-url", help="default: $A2G_PLATFORM_URL")
    reg.add_argument("--timeout", type=float, default=30.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    card = None
    if args.card is not None:
        text = sys.stdin.read() if str(args.card) == "-" else args.card.read_text(encoding="utf-8")
        try:
            card = json.loads(text)
        except ValueError as exc:
            print(f"a2g: {args.card} is not JSON: {exc}", file=sys.stderr)
            return 2
    try:
        agent = register(card=card, card_url=args.card_url, api_key=args.api_key, platform_url=args.platform_url,
                         logo_url=args.logo_url, color=args.color, framework=args.framework, timeout=args.timeout)
    except A2GError as exc:
        print(f"a2g: registration failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(agent, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
