"""Agents written with the SDKs people use, through the log-proxy, against the mock Responses upstream: the
OpenAI Agents SDK with its default model (the Responses API) and a hand-off, pydantic-ai's
`OpenAIResponsesModel` and LangChain's `ChatOpenAI(use_responses_api=True)`; every call in the trace, attributed
to the agent that made it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from openai import AsyncOpenAI

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_providers import ARGS, MockProviders
from tests.e2e.tracing.runtime_helpers import TracingRuntime
from tests.e2e.tracing.test_formats_e2e import _base, _entries

pytestmark = pytest.mark.e2e


def _v1(runtime: TracingRuntime, trace_id: str) -> str:
    return _base(runtime, trace_id) + "/v1"


def test_openai_agents_default_model_with_a_handoff_plain_and_streamed(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    from agents import Agent, Runner, set_default_openai_client, set_tracing_disabled

    set_tracing_disabled(True)  # the SDK would otherwise export its own traces to api.openai.com
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_oa_agents")
    set_default_openai_client(AsyncOpenAI(base_url=_v1(tracing_runtime, trace_id), api_key=developer.api_key,
                                          max_retries=0), use_for_tracing=False)
    billing = Agent(name="Billing Agent", instructions="You handle billing.", model="fmt-gpt")
    triage = Agent(name="Triage Agent", instructions="Route the user.", handoffs=[billing], model="fmt-gpt")

    result = Runner.run_sync(triage, "please handoff to billing")
    assert result.last_agent.name == "Billing Agent"
    assert result.final_output == "done: please handoff to billing"

    async def streamed() -> str:
        # an AsyncOpenAI client's connections belong to the loop that opened them: a new loop, a new client
        set_default_openai_client(AsyncOpenAI(base_url=_v1(tracing_runtime, trace_id), api_key=developer.api_key,
                                              max_retries=0), use_for_tracing=False)
        run = Runner.run_streamed(triage, "streamed handoff please")
        async for _ in run.stream_events():
            pass
        return str(run.final_output)

    assert asyncio.run(streamed()) == "done: streamed handoff please"

    entries = sorted(_entries(tracing_runtime, developer, trace_id, 4), key=lambda e: e["at"])
    assert [e["api"] for e in entries] == ["responses"] * 4
    assert [e["stream"] for e in entries] == [False, False, True, True]
    assert [(e["agent_id"], e["agent_id_source"]) for e in entries] == [
        (None, "entry"), ("Billing Agent", "handoff")] * 2
    assert entries[0]["tool_calls"][0]["function"]["name"] == "transfer_to_billing_agent"
    assert entries[1]["output_text"] == "done: please handoff to billing"
    assert entries[3]["output_text"] == "done: streamed handoff please"


def test_openai_agents_header_names_the_triage_agent_exactly(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    from agents import Agent, ModelSettings, Runner, set_default_openai_client, set_tracing_disabled

    set_tracing_disabled(True)
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_oa_header")
    set_default_openai_client(AsyncOpenAI(base_url=_v1(tracing_runtime, trace_id), api_key=developer.api_key,
                                          max_retries=0), use_for_tracing=False)
    billing = Agent(name="Billing Agent", instructions="You handle billing.", model="fmt-gpt")
    triage = Agent(name="Triage Agent", instructions="Route the user.", handoffs=[billing], model="fmt-gpt",
                   model_settings=ModelSettings(extra_headers={"X-Agent-Id": "triage"}))
    Runner.run_sync(triage, "please handoff to billing")
    first, second = sorted(_entries(tracing_runtime, developer, trace_id, 2), key=lambda e: e["at"])
    assert (first["agent_id"], first["agent_id_source"]) == ("triage", "header")
    assert (second["agent_id"], second["agent_id_source"]) == ("Billing Agent", "handoff")


def test_pydantic_ai_responses_model_plain_streamed_and_a_tool(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_pydantic")
    model = OpenAIResponsesModel("fmt-gpt", provider=OpenAIProvider(base_url=_v1(tracing_runtime, trace_id),
                                                                    api_key=developer.api_key))
    agent = Agent(model, instructions="be brief")
    seen: list[dict[str, Any]] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Weather of a city."""
        seen.append({"city": city})
        return "sunny"

    async def conversation() -> None:
        # one loop for the three runs: the provider's pooled connections belong to the loop that opened them
        assert (await agent.run("hello pydantic")).output == "echo: hello pydantic"
        async with agent.run_stream("streamed pydantic words") as run:
            assert "".join([piece async for piece in run.stream_text(delta=True)]) == "echo: streamed pydantic words"
        assert (await agent.run("what is the weather in Seoul")).output.startswith("done: ")

    asyncio.run(conversation())
    assert seen == [ARGS]

    entries = sorted(_entries(tracing_runtime, developer, trace_id, 4), key=lambda e: e["at"])
    assert {e["api"] for e in entries} == {"responses"}
    assert entries[0]["output_text"] == "echo: hello pydantic" and entries[0]["request"]["system"] == "be brief"
    assert entries[1]["stream"] is True and entries[1]["output_text"] == "echo: streamed pydantic words"
    assert json.loads(entries[2]["tool_calls"][0]["function"]["arguments"]) == ARGS
    assert entries[3]["status"] == "ok" and entries[3]["output_text"].startswith("done: ")


def test_langchain_chat_openai_on_the_responses_api(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    from langchain_openai import ChatOpenAI

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_langchain")
    llm = ChatOpenAI(model="fmt-gpt", base_url=_v1(tracing_runtime, trace_id), api_key=developer.api_key,
                     use_responses_api=True, max_retries=0)
    assert llm.invoke("hello langchain").text == "echo: hello langchain"
    assert "".join(chunk.text for chunk in llm.stream("streamed langchain words")) == "echo: streamed langchain words"
    weather = {"type": "function", "function": {"name": "get_weather", "description": "weather of a city",
                                                "parameters": {"type": "object",
                                                               "properties": {"city": {"type": "string"}}}}}
    called = llm.bind_tools([weather]).invoke("what is the weather in Seoul")
    assert called.tool_calls[0]["name"] == "get_weather" and called.tool_calls[0]["args"] == ARGS

    entries = sorted(_entries(tracing_runtime, developer, trace_id, 3), key=lambda e: e["at"])
    assert [e["api"] for e in entries] == ["responses"] * 3
    assert [e["stream"] for e in entries] == [False, True, False]
    assert entries[1]["output_text"] == "echo: streamed langchain words"
    assert entries[2]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_agno_openai_responses_plain_streamed_and_a_tool(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    from agno.agent import Agent
    from agno.models.openai import OpenAIResponses

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_agno")
    seen: list[str] = []

    def get_weather(city: str) -> str:
        """Weather of a city."""
        seen.append(city)
        return "sunny"

    agent = Agent(model=OpenAIResponses(id="fmt-gpt", base_url=_v1(tracing_runtime, trace_id),
                                        api_key=developer.api_key, max_retries=0),
                  tools=[get_weather], telemetry=False)
    assert agent.run("hello agno").content == "echo: hello agno"
    streamed = "".join(str(e.content) for e in agent.run("streamed agno words", stream=True)
                       if getattr(e, "event", "") == "RunContent" and e.content)
    assert streamed == "echo: streamed agno words"
    assert str(agent.run("what is the weather in Seoul").content).startswith("done: ")
    assert seen == ["Seoul"]

    entries = sorted(_entries(tracing_runtime, developer, trace_id, 4), key=lambda e: e["at"])
    assert [e["api"] for e in entries] == ["responses"] * 4
    assert [e["stream"] for e in entries] == [False, True, False, False]
    assert entries[1]["output_text"] == "echo: streamed agno words"
    assert entries[2]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_google_adk_with_its_native_gemini_model_pointed_at_the_proxy(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from google.adk.agents import LlmAgent
    from google.adk.models import Gemini
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    monkeypatch.setenv("GOOGLE_API_KEY", developer.api_key)  # where ADK's Gemini takes the key from
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "false")
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_adk")
    seen: list[str] = []

    def get_weather(city: str) -> str:
        """Weather of a city."""
        seen.append(city)
        return "sunny"

    agent = LlmAgent(name="weather_agent", instruction="be brief", tools=[get_weather],
                     model=Gemini(model="fmt-gemini", base_url=_base(tracing_runtime, trace_id),
                                  retry_options=types.HttpRetryOptions(attempts=1)))
    runner = InMemoryRunner(agent=agent, app_name="adk_e2e")

    async def ask(text: str) -> str:
        session = await runner.session_service.create_session(app_name="adk_e2e", user_id="u1")
        out = []
        async for event in runner.run_async(user_id="u1", session_id=session.id,
                                            new_message=types.Content(role="user", parts=[types.Part(text=text)])):
            for part in (event.content.parts if event.content and event.content.parts else []):
                if part.text:
                    out.append(part.text)
        return "".join(out)

    async def conversation() -> None:
        assert await ask("hello adk") == "echo: hello adk"
        await ask("what is the weather in Seoul")

    asyncio.run(conversation())
    assert seen == ["Seoul"]
    entries = sorted(_entries(tracing_runtime, developer, trace_id, 3), key=lambda e: e["at"])
    assert [e["api"] for e in entries] == ["gemini"] * 3
    assert {e["provider"] for e in entries} == {"gemini"}
    assert entries[0]["output_text"] == "echo: hello adk"
    assert {e["agent_id"] for e in entries} == {"weather_agent"}  # ADK's `Your internal name is "…"`
    assert entries[1]["tool_calls"][0]["function"]["name"] == "get_weather"


def test_google_adk_native_gemini_streamed_with_sse(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from google.adk.agents import LlmAgent
    from google.adk.agents.run_config import RunConfig, StreamingMode
    from google.adk.models import Gemini
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    monkeypatch.setenv("GOOGLE_API_KEY", developer.api_key)
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "false")
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_adk_sse")
    seen: list[str] = []

    def get_weather(city: str) -> str:
        """Weather of a city."""
        seen.append(city)
        return "sunny"

    agent = LlmAgent(name="streaming_agent", instruction="be brief", tools=[get_weather],
                     model=Gemini(model="fmt-gemini", base_url=_base(tracing_runtime, trace_id),
                                  retry_options=types.HttpRetryOptions(attempts=1)))
    runner = InMemoryRunner(agent=agent, app_name="adk_sse_e2e")

    async def ask(text: str) -> tuple[list[str], str]:
        session = await runner.session_service.create_session(app_name="adk_sse_e2e", user_id="u1")
        partial, final = [], []
        async for event in runner.run_async(user_id="u1", session_id=session.id,
                                            run_config=RunConfig(streaming_mode=StreamingMode.SSE),
                                            new_message=types.Content(role="user", parts=[types.Part(text=text)])):
            for part in (event.content.parts if event.content and event.content.parts else []):
                if part.text:
                    (partial if event.partial else final).append(part.text)
        return partial, "".join(final)

    async def conversation() -> tuple[list[str], str]:
        streamed = await ask("stream adk words")
        await ask("what is the weather in Seoul")
        return streamed

    partial, final = asyncio.run(conversation())
    assert "".join(partial) == final == "echo: stream adk words" and len(partial) == 4  # word by word, live
    assert seen == ["Seoul"]
    assert all(":streamGenerateContent" in r["path"] for r in providers.requests[-3:])
    entries = sorted(_entries(tracing_runtime, developer, trace_id, 3), key=lambda e: e["at"])
    assert [(e["api"], e["stream"]) for e in entries] == [("gemini", True)] * 3
    assert entries[0]["output_text"] == "echo: stream adk words" and entries[0]["stream_events"] == 4
    assert entries[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert {e["agent_id"] for e in entries} == {"streaming_agent"}
