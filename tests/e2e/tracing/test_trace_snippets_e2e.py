"""The trace panel's per-SDK snippets are working code: each one, rendered by `frontend/src/lib/snippets.ts`
itself for a trace, a key and a model, runs as a program with the real SDK through the log-proxy (only ADK's gets
two lines that run its agent), and its calls land in that trace under the `X-Agent-Id` the snippet sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.mock_providers import MockProviders
from tests.e2e.tracing.runtime_helpers import ROOT, TracingRuntime
from tests.e2e.tracing.test_formats_e2e import _entries

pytestmark = pytest.mark.e2e
FRONTEND = ROOT / "frontend"

# The model each snippet is shown with here: the mock upstream that speaks the SDK's API (LangChain's
# ChatOpenAI speaks Chat Completions, which the OpenAI-compatible mock LLM serves).
MODELS = {"openai": "fmt-gpt", "openai-agents": "fmt-gpt", "anthropic": "fmt-claude", "google-genai": "fmt-gemini",
          "adk": "fmt-gemini", "agno": "fmt-gpt", "langchain": "e2e-gpt", "pydantic-ai": "fmt-gpt", "env": "fmt-gpt"}
# The agents each snippet's calls are attributed to (the X-Agent-Id it sets; ADK names its agent in the prompt).
AGENTS = {"openai": {"my-agent"}, "openai-agents": {"triage"}, "anthropic": {"my-agent"},
          "google-genai": {"my-agent"}, "adk": {"my_agent"}, "agno": {"my-agent"}, "langchain": {"my_agent"},
          "pydantic-ai": {"my-agent"}, "env": {None}}
ADK_RUN = """
import asyncio
from google.adk.runners import InMemoryRunner
from google.genai import types

async def main():
    runner = InMemoryRunner(agent=root_agent, app_name="snippet")
    session = await runner.session_service.create_session(app_name="snippet", user_id="u1")
    async for _ in runner.run_async(user_id="u1", session_id=session.id,
                                    new_message=types.Content(role="user", parts=[types.Part(text="Hello!")])):
        pass

asyncio.run(main())
"""
ENV_RUN = """
import os, anthropic, openai
from google import genai
print(openai.OpenAI().responses.create(model=os.environ["OPENAI_MODEL"], input="Hello!").output_text)
print(anthropic.Anthropic().messages.create(model="fmt-claude", max_tokens=16,
                                            messages=[{"role": "user", "content": "Hello!"}]).content[0].text)
gemini = genai.Client()  # kept: a dropped client closes itself
print(gemini.models.generate_content(model="fmt-gemini", contents="Hello!").text)
"""


def render(values: list[dict[str, str]]) -> list[list[dict[str, Any]]]:
    """`buildSnippets(values)` for each set of values, by the frontend's own module (its TypeScript stripped by
    the bundler Vite ships, rolldown)."""
    script = textwrap.dedent("""
        const fs = require('fs'); const path = require('path'); const os = require('os');
        const { transformSync } = require('rolldown/experimental');
        const source = fs.readFileSync('src/lib/snippets.ts', 'utf8');
        const out = transformSync('snippets.ts', source, { lang: 'ts' });
        if (out.errors && out.errors.length) { console.error(JSON.stringify(out.errors)); process.exit(2); }
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'snippets-')), 'snippets.mjs');
        fs.writeFileSync(file, out.code);
        import('file://' + file).then((m) => {
          const values = JSON.parse(process.argv[1]);
          process.stdout.write(JSON.stringify(values.map((v) => m.buildSnippets(v))));
        });
    """)
    done = subprocess.run(["node", "-e", script, json.dumps(values)], cwd=FRONTEND, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def _run(code: str, language: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "ANTHROPIC_", "GOOGLE_", "GEMINI_"))}
    with tempfile.TemporaryDirectory() as work:
        program = Path(work) / "snippet.py"
        if language == "bash":
            program.write_text(ENV_RUN)
            command = ["bash", "-c", f"set -e\n{code}\nexec {sys.executable} {program}"]
        else:
            program.write_text(code)
            command = [sys.executable, str(program)]
        return subprocess.run(command, cwd=work, env={**env, "AGNO_TELEMETRY": "false"}, capture_output=True,
                              text=True, timeout=240, check=False)


def test_every_snippet_runs_against_the_proxy_and_names_its_agent(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders, e2e_llm: MockLlm) -> None:
    traces = {sid: tracing_runtime.create_trace("admin", agent_id=f"agt_snip_{sid.replace('-', '_')}")
              for sid in MODELS}
    values = [{"baseUrl": f"{tracing_runtime.base_url}/api/log-proxy/{trace}/v1", "apiKey": developer.api_key,
               "model": MODELS[sid]} for sid, trace in traces.items()]
    rendered = render(values)
    snippets = {sid: next(s for s in rendered[i] if s["id"] == sid) for i, sid in enumerate(MODELS)}
    assert set(snippets) == {s["id"] for s in rendered[0]}  # every snippet the panel shows is run here

    failures = []
    for sid, snippet in snippets.items():
        code = snippet["code"] + (ADK_RUN if sid == "adk" else "")
        done = _run(code, snippet["language"])
        if done.returncode != 0:
            failures.append(f"{sid}: {done.stderr[-1500:]}")
    assert not failures, "\n\n".join(failures)

    for sid, trace in traces.items():
        count = 3 if sid == "env" else 1
        entries = _entries(tracing_runtime, developer, trace, count)
        assert {e["status"] for e in entries} == {"ok"}, (sid, entries)
        assert {e["agent_id"] for e in entries} == AGENTS[sid], (sid, [e["agent_id"] for e in entries])
