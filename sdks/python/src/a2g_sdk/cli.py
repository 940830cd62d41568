"""`a2g`: the platform from a shell or a CI job. `a2g --help` lists the commands, `a2g <command> --help`
explains one. The URL and the credential come from --platform-url / --api-key (or --token), else from
A2G_PLATFORM_URL / A2G_API_KEY (or A2G_TOKEN).

Results are printed as JSON on stdout (`chat` prints the answer as it streams). Every failure is one
sentence on stderr, never a traceback: exit code 1 when the platform refused or could not be reached,
2 for a mistake on the command line (a missing card file, a malformed URL, no API key).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from a2g_sdk import __version__
from a2g_sdk.client import Client
from a2g_sdk.errors import A2GError, ConfigurationError

Handler = Callable[[Client, argparse.Namespace], int]


class UsageError(Exception):
    """A mistake on the command line, found after parsing (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line that says where the help is (as every other failure is)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; run '{self.prog} --help'\n")


def _connection_options() -> _Parser:
    common = _Parser(add_help=False)
    group = common.add_argument_group("platform")
    group.add_argument("--platform-url", metavar="URL", help="default: $A2G_PLATFORM_URL, e.g. http://127.0.0.1:3000")
    group.add_argument("--api-key", metavar="KEY", help="an a2g_sk_... key; default: $A2G_API_KEY")
    group.add_argument("--token", metavar="TOKEN", help="a signed-in user's access token instead of a key; "
                       "default: $A2G_TOKEN")
    group.add_argument("--ws-url", metavar="URL", help="the WebSocket URL for chat runs; default: /ws on the "
                       "platform's origin, or $A2G_WS_URL")
    group.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                       help="how long to wait for each HTTP answer (default 30)")
    return common


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="a2g", description="The A2G Agent Platform from the command line: register, update and publish "
        "agents, start chat sessions, read traces, chat with an agent.",
        epilog="Run 'a2g <command> --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"a2g-sdk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    common = [_connection_options()]

    def add(name: str, summary: str, handler: Handler) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:] + ".",
                                  parents=common)
        sub.set_defaults(handler=handler)
        return sub

    add("whoami", "show who the API key or token speaks for", _whoami)

    reg = add("register", "register (or update in place) an agent from its A2A card", _register)
    source = reg.add_mutually_exclusive_group(required=True)
    source.add_argument("--card-url", metavar="URL", help="the agent's base URL or card URL; the platform "
                        "fetches the card")
    source.add_argument("--card", type=Path, metavar="FILE", help="a card JSON file ('-' for standard input)")
    reg.add_argument("--logo-url", metavar="URL")
    reg.add_argument("--color", metavar="#RRGGBB")
    reg.add_argument("--framework", help="A2A (default), AGNO, ADK, LANGGRAPH or CUSTOM")

    agents = add("agents", "list your agents, newest first", _agents)
    agents.add_argument("--limit", type=int, metavar="N")

    show = add("agent", "show one of your agents (with its trace id and log-proxy base URL)", _agent)
    show.add_argument("agent_id", metavar="AGENT_ID")

    update = add("update", "change an agent's name, description, colour or logo", _update)
    update.add_argument("agent_id", metavar="AGENT_ID")
    update.add_argument("--name")
    update.add_argument("--description")
    update.add_argument("--color", metavar="#RRGGBB")
    update.add_argument("--logo-url", metavar="URL")
    update.add_argument("--version", dest="agent_version", type=int, metavar="N",
                        help="the version you read (a newer one on the platform refuses the change); "
                        "default: the current one")

    for name, summary in (("publish", "publish an agent to your colleagues (operation mode)"),
                          ("withdraw", "take a published agent back to development")):
        sub = add(name, summary, _publish if name == "publish" else _withdraw)
        sub.add_argument("agent_id", metavar="AGENT_ID")

    session = add("session", "start a chat session with an agent (prints its session_id and trace_id)",
                  _session)
    session.add_argument("agent_id", metavar="AGENT_ID")
    session.add_argument("--title")

    trace = add("trace", "print a trace's entries (the LLM calls the log-proxy recorded)", _trace)
    trace.add_argument("trace_id", metavar="TRACE_ID", help="an agent's or a chat session's trace id")
    trace.add_argument("--limit", type=int, default=50, metavar="N", help="1-200 (default 50)")
    trace.add_argument("--order", choices=("asc", "desc"), default="asc")

    chat = add("chat", "send a message in a chat session and print the agent's answer as it streams", _chat)
    chat.add_argument("session_id", metavar="SESSION_ID")
    chat.add_argument("message", metavar="MESSAGE")
    chat.add_argument("--run-timeout", type=float, default=900.0, metavar="SECONDS",
                      help="how long to wait for the agent's next output (default 900)")
    return parser


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _whoami(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.me())
    return 0


def _read_card(path: Path) -> dict[str, Any]:
    name = "standard input" if str(path) == "-" else f"the card file {str(path)!r}"
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot read {name}: there is no such file") from None
    except IsADirectoryError:
        raise UsageError(f"cannot read {name}: it is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {name}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        card = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name} is not JSON: {exc}") from None
    if not isinstance(card, dict):
        raise UsageError(f"{name} holds JSON but not an object: an A2A card is a JSON object")
    return card


def _register(a2g: Client, args: argparse.Namespace) -> int:
    card = _read_card(args.card) if args.card is not None else None
    _print(a2g.register(card, args.card_url, logo_url=args.logo_url, color=args.color, framework=args.framework))
    return 0


def _agents(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.list_agents(limit=args.limit)["items"])
    return 0


def _agent(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.get_agent(args.agent_id))
    return 0


def _update(a2g: Client, args: argparse.Namespace) -> int:
    if all(v is None for v in (args.name, args.description, args.color, args.logo_url)):
        raise UsageError("nothing to change: give --name, --description, --color or --logo-url")
    _print(a2g.update_agent(args.agent_id, version=args.agent_version, name=args.name,
                            description=args.description, color=args.color, logo_url=args.logo_url))
    return 0


def _publish(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.publish(args.agent_id))
    return 0


def _withdraw(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.withdraw(args.agent_id))
    return 0


def _session(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.start_session(args.agent_id, title=args.title))
    return 0


def _trace(a2g: Client, args: argparse.Namespace) -> int:
    _print(a2g.trace(args.trace_id, limit=args.limit, order=args.order))
    return 0


def _chat(a2g: Client, args: argparse.Namespace) -> int:
    streamed = ""
    for event in a2g.invoke(args.session_id, args.message, timeout=args.run_timeout):
        if event.get("type") == "chunk":
            delta = str(event.get("delta") or "")
            streamed += delta
            sys.stdout.write(delta)
            sys.stdout.flush()
        elif event.get("type") == "message":
            saved = event.get("message")
            content = saved["content"] if saved else ""
            if not streamed:
                sys.stdout.write(content)
            sys.stdout.write("\n")
        elif event.get("type") == "error":
            if streamed:
                sys.stdout.write("\n")
            error = event.get("error") or {"code": "agent_error", "message": "the run failed"}
            print(f"a2g: the agent's run failed: {error.get('message')} ({error.get('code')})", file=sys.stderr)
            return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(argv) if argv is not None else None)
    handler: Handler = args.handler
    try:
        with Client(args.platform_url, api_key=args.api_key, token=args.token, ws_url=args.ws_url,
                    timeout=args.timeout) as a2g:
            return handler(a2g, args)
    except (UsageError, ConfigurationError) as exc:
        print(f"a2g: {exc}", file=sys.stderr)
        return 2
    except A2GError as exc:
        print(f"a2g: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # an argument the SDK refuses before sending (e.g. an empty id)
        print(f"a2g: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("a2g: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
