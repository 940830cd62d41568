"""The JS SDK against the local runtime, as a Node.js project installs it (`npm install <sdks/js>`, offline):
`require()` from CommonJS and `import` from ESM each run the whole developer flow, a TypeScript program in a
CommonJS project type-checks and runs, `npx a2g` answers --help / --version and fails in sentences, and what
the web app's development mode adds (Stop, replaces, files, the live trace, API keys) runs from ESM.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from a2g_sdk import CREDENTIAL_REFUSALS, Client

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.sdks.sdk_credentials import expired_token
from tests.e2e.tracing.mock_llm import MockLlm, free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess
    from tests.e2e.sdks.conftest import Developer

pytestmark = pytest.mark.e2e

SDK_JS = Path(__file__).resolve().parents[3] / "sdks" / "js"
SCRIPTS = Path(__file__).resolve().parent / "js"
COMMANDS = ("whoami", "register", "agents", "agent", "update", "publish", "withdraw", "session", "trace", "chat")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("A2G_")}
    return subprocess.run(args, cwd=cwd, env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh Node.js project (CommonJS: no "type") with the SDK installed from its folder, as npm does."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("the JS SDK needs Node.js and npm")
    if not (SDK_JS / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDK_JS, check=True, capture_output=True,
                       timeout=600)
    newest = max(p.stat().st_mtime for p in (SDK_JS / "src").glob("*.ts"))
    built = [SDK_JS / "dist" / build / "index.js" for build in ("esm", "cjs")]
    if any(not b.exists() or b.stat().st_mtime < newest for b in built):
        subprocess.run(["npm", "run", "build"], cwd=SDK_JS, check=True, capture_output=True, timeout=600)
    folder = tmp_path_factory.mktemp("js-consumer")
    (folder / "package.json").write_text(json.dumps({"name": "consumer", "version": "1.0.0", "private": True}))
    installed = _run(["npm", "install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", str(SDK_JS)],
                     folder)
    assert installed.returncode == 0, installed.stderr
    for script in SCRIPTS.iterdir():
        shutil.copy(script, folder / script.name)
    return folder


def _flow(project: Path, script: str, runtime: RuntimeProcess, developer: Developer,
          server: A2aTestServer) -> dict[str, Any]:
    # Registered once first to learn the log-proxy base URL to paste into the agent; the script's own
    # registration is then the same agent, updated in place.
    with Client(runtime.base_url, api_key=developer.key) as a2g:
        agent = a2g.register(card_url=server.url)
    server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
    run = _run(["node", script], project, env={"A2G_PLATFORM_URL": runtime.base_url, "A2G_API_KEY": developer.key,
                                              "AGENT_URL": server.url, "DOWN_URL": f"http://127.0.0.1:{free_port()}",
                                              "EXPIRED_TOKEN": expired_token(runtime)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["registered"]["id"] == agent["id"] and out["registered"]["created"] is False
    return out


def _check_flow(out: dict[str, Any], developer: Developer) -> None:
    assert out["sdkVersion"] == json.loads((SDK_JS / "package.json").read_text())["version"]
    assert out["me"]["auth_kind"] == "api_key" and out["me"]["user_id"] == developer.user.user_id
    assert out["registered"]["color"] == "#0EA5E9"
    assert out["updated"]["description"] == "from JavaScript"
    assert (out["stale"]["name"], out["stale"]["status"]) == ("Conflict", 409)
    assert out["kinds"][0] == "run_started" and out["kinds"][-1] == "message" and "chunk" in out["kinds"]
    assert out["streamed"] == out["final"] == "echo: hello js"
    assert out["chat"] == "echo: again"
    assert out["entries"] and out["entries"][0]["model"] == developer.model
    assert out["entries"][0]["session_id"] == out["session"]["session_id"]
    assert out["published"] == "PRODUCTION"
    assert out["mine"] == [out["registered"]["id"]]
    assert (out["notFound"]["name"], out["notFound"]["status"], out["notFound"]["code"]) == ("NotFound", 404, "not_found")
    assert out["notFound"]["message"] == "agent not found (404 not_found)"
    assert (out["runRefused"]["name"], out["runRefused"]["code"]) == ("NotFound", "not_found")
    # A wrong key, an expired token and a malformed one are told apart, each in the SDK's sentence.
    refusals = {case: (out[case]["name"], out[case]["status"], out[case]["code"], out[case]["message"])
                for case in ("wrongKey", "expiredToken", "malformedToken")}
    expected = {"wrongKey": "invalid_api_key", "expiredToken": "token_expired", "malformedToken": "invalid_token"}
    assert refusals == {case: ("AuthenticationFailed", 401, code, f"{CREDENTIAL_REFUSALS[code]} (401 {code})")
                        for case, code in expected.items()}
    assert out["wrongKeyWs"]["name"] == "AuthenticationFailed" and out["wrongKeyWs"]["status"] in (401, 403)
    assert out["down"]["name"] == "ConnectionFailed" and "connection refused: is it running?" in out["down"]["message"]
    assert out["badUrl"]["name"] == "ConfigurationError" and out["badUrl"]["code"] == "bad_platform_url"
    assert out["instanceOfBase"] is True


def test_require_from_commonjs_runs_the_developer_flow(
    project: Path, sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer]
) -> None:
    _check_flow(_flow(project, "require_flow.cjs", sdk_runtime, developer, agent_server()), developer)


def test_import_from_esm_runs_the_developer_flow(
    project: Path, sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer]
) -> None:
    _check_flow(_flow(project, "import_flow.mjs", sdk_runtime, developer, agent_server()), developer)


def test_typescript_in_a_commonjs_project_compiles_and_runs(project: Path, sdk_runtime: RuntimeProcess,
                                                            developer: Developer) -> None:
    (project / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": True, "outDir": "out",
        "types": ["node"], "typeRoots": [str(SDK_JS / "node_modules" / "@types")], "lib": ["ES2022", "DOM"]},
        "files": ["typed_consumer.ts"]}))
    compiled = _run([str(SDK_JS / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], project)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    js = (project / "out" / "typed_consumer.js").read_text()
    assert 'require("@a2g/sdk")' in js  # really CommonJS, as such a project compiles
    run = _run(["node", "out/typed_consumer.js"], project,
               env={"A2G_PLATFORM_URL": sdk_runtime.base_url, "A2G_API_KEY": developer.key})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"user": developer.user.user_id, "agents": 0, "first": 0,
                                      "kinds": ["chunk", "error"]}


def _one_sentence(run: subprocess.CompletedProcess[str]) -> str:
    err = run.stderr.strip()
    assert "    at " not in err and len(err.splitlines()) == 1, err  # no stack trace
    assert err.startswith("a2g"), err
    return err


def test_npx_a2g_helps_and_fails_in_sentences(project: Path, sdk_runtime: RuntimeProcess, developer: Developer,
                                              agent_server: Callable[[], A2aTestServer]) -> None:
    npx = ["npx", "--no-install", "a2g"]
    version = _run([*npx, "--version"], project)
    assert version.returncode == 0
    assert version.stdout.strip() == "@a2g/sdk " + json.loads((SDK_JS / "package.json").read_text())["version"]
    top = _run([*npx, "--help"], project)
    assert top.returncode == 0 and all(f"  {c} " in top.stdout for c in COMMANDS), top.stdout
    for command in COMMANDS:
        shown = _run([*npx, command, "--help"], project)
        assert shown.returncode == 0 and shown.stdout.startswith(f"usage: a2g {command}"), shown.stdout + shown.stderr
        assert "--platform-url" in shown.stdout

    platform = {"A2G_PLATFORM_URL": sdk_runtime.base_url, "A2G_API_KEY": developer.key}
    missing = _run([*npx, "register", "--card", "nope.json"], project, env=platform)
    assert missing.returncode == 2
    assert _one_sentence(missing) == "a2g: cannot read the card file 'nope.json': there is no such file"
    bad_url = _run([*npx, "agents", "--platform-url", "localhost:3000"], project, env={"A2G_API_KEY": developer.key})
    assert bad_url.returncode == 2 and "is not an http:// or https:// URL" in _one_sentence(bad_url)
    wrong = _run([*npx, "whoami", "--api-key", "a2g_sk_" + "1" * 40], project,
                 env={"A2G_PLATFORM_URL": sdk_runtime.base_url})
    assert wrong.returncode == 1
    assert _one_sentence(wrong) == f"a2g: {CREDENTIAL_REFUSALS['invalid_api_key']} (401 invalid_api_key)"
    down = _run([*npx, "agents", "--platform-url", f"http://127.0.0.1:{free_port()}"], project,
                env={"A2G_API_KEY": developer.key})
    assert down.returncode == 1 and "connection refused: is it running?" in _one_sentence(down)
    unknown = _run([*npx, "agents", "--colour", "x"], project, env=platform)
    assert unknown.returncode == 2 and "unknown option '--colour'" in _one_sentence(unknown)

    server = agent_server()
    registered = _run([*npx, "register", "--card-url", server.url], project, env=platform)
    assert registered.returncode == 0, registered.stderr
    agent = json.loads(registered.stdout)
    server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
    session = json.loads(_run([*npx, "session", agent["id"]], project, env=platform).stdout)
    chat = _run([*npx, "chat", session["session_id"], "hi from npx"], project, env=platform)
    assert chat.returncode == 0 and chat.stdout == "echo: hi from npx\n", chat.stderr


def test_the_published_package_carries_both_builds_their_types_and_the_licence(project: Path) -> None:
    packed = _run(["npm", "pack", "--dry-run", "--json", "--ignore-scripts"], SDK_JS)
    assert packed.returncode == 0, packed.stderr
    files = {f["path"] for f in json.loads(packed.stdout)[0]["files"]}
    pkg = json.loads((SDK_JS / "package.json").read_text())
    assert {"LICENSE", "README.md", "package.json", "dist/cjs/package.json", pkg["bin"]["a2g"]} <= files
    for condition in ("import", "require"):
        for kind in ("types", "default"):
            assert pkg["exports"]["."][condition][kind].removeprefix("./") in files
    assert pkg["license"] == "MIT" and (SDK_JS / "LICENSE").read_text().startswith("MIT License")


def test_what_dev_mode_does_from_javascript(
    project: Path, sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    """Stop, replaces (and a stale one), files, the live trace, clearing it, API keys: `js/dev_mode.mjs`."""
    sdk_runtime.require_functions("WsCancelFunction", "FilesFunction", "WsSubscribeFunction")
    long = " ".join(f"word{i}" for i in range(60))
    slow_llm = MockLlm(chunks=30, pause_s=0.4).start()  # about 12 s for the whole answer: still streaming
    slow_llm.script = lambda body: long
    slow = A2aTestServer(slow_llm.base_url).start()
    try:
        server = agent_server()
        with Client(sdk_runtime.base_url, api_key=developer.key) as a2g:
            agent = a2g.register(card_url=server.url)
        server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
        run = _run(["node", "dev_mode.mjs"], project, timeout=240, env={
            "A2G_PLATFORM_URL": sdk_runtime.base_url, "A2G_API_KEY": developer.key,
            "A2G_E2E_TOKEN": developer.user.token, "AGENT_URL": server.url, "SLOW_AGENT_URL": slow.url,
            "MODEL": developer.model})
    finally:
        slow.stop()
        slow_llm.stop()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])

    stopped = out["stopped"]
    assert out["ack"]["type"] == "stopping" and out["ack"]["request_id"] == "story-js"
    assert stopped["last"] == "message" and stopped["final"]["status"] == "stopped"
    assert stopped["streamed"] and long.startswith(stopped["streamed"]) and len(stopped["streamed"]) < len(long)
    assert stopped["final"]["content"] == stopped["streamed"]
    assert stopped["history"] == [["complete", "tell me a long story"], ["stopped", stopped["streamed"]]]
    assert (out["cancelNotMine"]["name"], out["cancelNotMine"]["code"]) == ("NotFound", "not_found")

    assert out["replaced"]["typo"] in out["replaced"]["ids"] and len(out["replaced"]["ids"]) == 2
    assert out["replaced"]["answer"] == "echo: second"
    assert (out["stale"]["name"], out["stale"]["code"]) == ("Conflict", "not_last_message")
    assert out["history"][:4] == ["first", "echo: first", "second", "echo: second"]

    assert (out["files"]["image"]["file_name"], out["files"]["image"]["content_type"]) == ("dot.png", "image/png")
    assert out["files"]["notes"]["content_type"] == "text/plain" and out["files"]["notes"]["size"] == 10
    assert out["withFiles"].startswith("echo: look")
    assert sorted(p["filename"] for p in server.executor.seen[-1]["files"]) == ["dot.png", "notes.txt"]
    assert out["downloaded"] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4]
    assert out["uploadNotMine"]["name"] == "NotFound"

    assert out["watched"] and out["watched"][-1] == {"type": "trace.entry", "trace_id": agent["trace_id"],
                                                     "model": developer.model, "status": "ok"}
    assert {p["type"] for p in out["watched"]} <= {"trace.running", "trace.entry"}
    assert (out["watchNotMine"]["name"], out["watchNotMine"]["code"]) == ("NotFound", "trace_not_found")
    assert out["clearedNothing"] == 0 and out["cleared"] >= 1 and out["traceAfter"] == 0

    assert out["made"] == {"prefix": "a2g_sk_", "name": "from js"} and out["listed"] is True
    assert (out["keyMintsKey"]["name"], out["keyMintsKey"]["code"]) == ("PermissionDenied", "session_required")
    assert out["activeAfterRevoke"] is False and out["revokedListed"] == "revoked"
    assert (out["revokedKey"]["name"], out["revokedKey"]["code"]) == ("AuthenticationFailed", "revoked_api_key")
