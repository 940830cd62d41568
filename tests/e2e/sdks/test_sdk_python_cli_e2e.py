"""The `a2g` command line and the SDK's packaging as an agent developer meets them: `--version`, `--help` on
every command, one sentence (never a traceback) for every failure, the README's example program run against
the local runtime, and mypy --strict on a program using the installed SDK (py.typed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from a2g_sdk import CREDENTIAL_REFUSALS, Client, __version__

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.tracing.mock_llm import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess
    from tests.e2e.sdks.conftest import Developer

pytestmark = pytest.mark.e2e

SDK_PY = Path(__file__).resolve().parents[3] / "sdks" / "python"
COMMANDS = ("whoami", "register", "agents", "agent", "update", "publish", "withdraw", "session", "trace", "chat")


def a2g(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`a2g ...` in a clean environment (only what is given), with the SDK from its source folder."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("A2G_")}
    base["PYTHONPATH"] = str(SDK_PY / "src")
    return subprocess.run([sys.executable, "-m", "a2g_sdk.cli", *args], env={**base, **(env or {})},
                          check=False, input=stdin, capture_output=True, text=True, timeout=120)


def one_sentence(run: subprocess.CompletedProcess[str]) -> str:
    err = run.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("a2g"), err
    return err


def test_version_and_help_on_every_command() -> None:
    version = a2g("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"a2g-sdk {__version__}"
    top = a2g("--help")
    assert top.returncode == 0 and all(command in top.stdout for command in COMMANDS)
    for command in COMMANDS:
        shown = a2g(command, "--help")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith(f"usage: a2g {command}") and "--platform-url" in shown.stdout


def test_every_failure_is_one_sentence(sdk_runtime: RuntimeProcess, developer: Developer,
                                       tmp_path: Path) -> None:
    platform = {"A2G_PLATFORM_URL": sdk_runtime.base_url, "A2G_API_KEY": developer.key}

    missing = a2g("register", "--card", str(tmp_path / "card.json"), env=platform)
    assert missing.returncode == 2
    assert one_sentence(missing) == f"a2g: cannot read the card file '{tmp_path / 'card.json'}': there is no such file"
    (tmp_path / "broken.json").write_text("{not json")
    broken = a2g("register", "--card", str(tmp_path / "broken.json"), env=platform)
    assert broken.returncode == 2 and "is not JSON" in one_sentence(broken)

    bad_url = a2g("agents", "--platform-url", "localhost:3000", env={"A2G_API_KEY": developer.key})
    assert bad_url.returncode == 2
    assert one_sentence(bad_url) == ("a2g: the platform URL 'localhost:3000' is not an http:// or https:// URL "
                                     "(e.g. http://127.0.0.1:3000)")
    no_key = a2g("agents", env={"A2G_PLATFORM_URL": sdk_runtime.base_url})
    assert no_key.returncode == 2 and "no API key" in one_sentence(no_key)

    wrong_key = a2g("whoami", "--api-key", "a2g_sk_" + "0" * 40, env={"A2G_PLATFORM_URL": sdk_runtime.base_url})
    assert wrong_key.returncode == 1
    assert one_sentence(wrong_key) == f"a2g: {CREDENTIAL_REFUSALS['invalid_api_key']} (401 invalid_api_key)"
    down = a2g("agents", "--platform-url", f"http://127.0.0.1:{free_port()}", env={"A2G_API_KEY": developer.key})
    assert down.returncode == 1 and "cannot reach the platform at http://127.0.0.1:" in one_sentence(down)
    assert "connection refused: is it running?" in down.stderr

    unknown = a2g("agent", "agt_nobody", env=platform)
    assert unknown.returncode == 1 and one_sentence(unknown) == "a2g: agent not found (404 not_found)"
    nothing = a2g("update", "agt_nobody", env=platform)
    assert nothing.returncode == 2 and "nothing to change" in one_sentence(nothing)
    typo = a2g("chat", "ses_x", "hi", "--run-timeout", "soon", env=platform)
    assert typo.returncode == 2
    assert one_sentence(typo) == "a2g chat: argument --run-timeout: invalid float value: 'soon'; run 'a2g chat --help'"
    bad_colour = a2g("register", "--card", "-", "--color", "blue", env=platform, stdin=json.dumps({"name": "x"}))
    assert bad_colour.returncode == 1 and "(400 " in one_sentence(bad_colour)


def test_the_cli_registers_chats_and_reads_the_trace(sdk_runtime: RuntimeProcess, developer: Developer,
                                                     agent_server: Callable[[], A2aTestServer]) -> None:
    server = agent_server()
    platform = {"A2G_PLATFORM_URL": sdk_runtime.base_url, "A2G_API_KEY": developer.key}
    registered = a2g("register", "--card-url", server.url, "--color", "#ABCDEF", env=platform)
    assert registered.returncode == 0, registered.stderr
    agent = json.loads(registered.stdout)
    assert agent["created"] is True and agent["color"] == "#ABCDEF"
    server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)

    updated = a2g("update", agent["id"], "--description", "from the shell", env=platform)
    assert updated.returncode == 0 and json.loads(updated.stdout)["description"] == "from the shell"
    session = json.loads(a2g("session", agent["id"], env=platform).stdout)
    chat = a2g("chat", session["session_id"], "hi from bash", env=platform)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout == "echo: hi from bash\n"
    trace = a2g("trace", session["trace_id"], env=platform)
    assert trace.returncode == 0 and json.loads(trace.stdout)["items"][0]["model"] == developer.model
    published = a2g("publish", agent["id"], env=platform)
    assert json.loads(published.stdout)["status"] == "PRODUCTION"
    listed = json.loads(a2g("agents", env=platform).stdout)
    assert [a["id"] for a in listed] == [agent["id"]]
    gone = a2g("chat", "ses_nobody", "hello?", env=platform)
    assert gone.returncode == 1 and one_sentence(gone) == "a2g: chat session not found"


def test_the_readme_example_program_runs(sdk_runtime: RuntimeProcess, developer: Developer,
                                         agent_server: Callable[[], A2aTestServer]) -> None:
    server = agent_server()
    # The developer registers once to learn the agent's log-proxy base URL and pastes it into the agent;
    # the example then registers again (the same agent, updated in place) and goes through the flow.
    with Client(sdk_runtime.base_url, api_key=developer.key) as first:
        agent = first.register(card_url=server.url)
    server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2G_")}
    env.update(PYTHONPATH=str(SDK_PY / "src"), A2G_PLATFORM_URL=sdk_runtime.base_url, A2G_API_KEY=developer.key)
    run = subprocess.run([sys.executable, str(SDK_PY / "examples" / "developer_flow.py"), server.url], env=env,
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"updated {agent['id']}"
    assert "echo: hello from the SDK" in lines
    assert any(line.startswith("LLM call ") and f": {developer.model} ok in " in line for line in lines), lines
    assert lines[-1] == "Echo A2A agent is PRODUCTION"


def test_mypy_strict_accepts_the_package_and_a_program_using_it_installed(tmp_path: Path) -> None:
    own = subprocess.run([sys.executable, "-m", "mypy", "src/a2g_sdk", "examples"], cwd=SDK_PY,
                         check=False, capture_output=True, text=True, timeout=300)
    assert own.returncode == 0 and "Success" in own.stdout, own.stdout + own.stderr

    # As a user's project sees it: the SDK in site-packages (PEP 561 wants py.typed there), the program
    # elsewhere, checked with --strict and no configuration of ours.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "a2g_sdk").symlink_to(SDK_PY / "src" / "a2g_sdk", target_is_directory=True)
    project = tmp_path / "project"
    project.mkdir()
    for example in ("developer_flow.py", "async_flow.py", "stop_and_redo.py"):
        (project / example).write_text((SDK_PY / "examples" / example).read_text())
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable",
                              str(python), "developer_flow.py", "async_flow.py", "stop_and_redo.py"], cwd=project, check=False,
                             capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0 and "Success" in checked.stdout, checked.stdout + checked.stderr


def test_the_stop_and_redo_example_runs(sdk_runtime: RuntimeProcess, developer: Developer,
                                        agent_server: Callable[[], A2aTestServer], tmp_path: Path) -> None:
    sdk_runtime.require_functions("WsCancelFunction", "FilesFunction", "WsSubscribeFunction")
    server = agent_server()
    with Client(sdk_runtime.base_url, api_key=developer.key) as a2g:
        agent = a2g.register(card_url=server.url)
    notes = tmp_path / "notes.txt"
    notes.write_text("the meeting moved to Tuesday\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("A2G_")}
    env.update(PYTHONPATH=str(SDK_PY / "src"), A2G_PLATFORM_URL=sdk_runtime.base_url, A2G_API_KEY=developer.key)
    run = subprocess.run([sys.executable, str(SDK_PY / "examples" / "stop_and_redo.py"), agent["id"], str(notes)],
                         env=env, check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"attached notes.txt (text/plain, {len(notes.read_bytes())} bytes)"
    assert any(line.startswith("-> ") and line[3:] in ("stopped", "complete") for line in lines), lines
    assert "regenerated: echo: Summarise the attached notes [files: notes.txt]" in lines
    assert lines[-1] == "a stale replace is refused: not_last_message"
    assert [f["filename"] for f in server.executor.seen[-2]["files"]] == ["notes.txt"]
