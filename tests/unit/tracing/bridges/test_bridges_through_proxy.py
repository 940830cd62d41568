"""Translated calls through the real log-proxy app: a client SDK of one format, an LLM of another provider.

The upstream is a loopback server answering that provider's real payloads (`bridge_payloads`); the checks are
what the upstream received (its own route, key header and body shape), what the client's SDK read, and the
trace entry (the client's api, the LLM's provider, text, tool calls, usage, stop reason).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import anthropic
import openai
import pytest
from a2g.tracing.proxy import ResolvedModel
from google import genai
from google.genai import types as gtypes

from tests.unit.tracing.bridges.bridge_payloads import (
    ANTHROPIC_MESSAGE,
    ANTHROPIC_STREAM,
    CHAT_MIXED,
    CHAT_MIXED_STREAM,
    EXPECTED_CALLS,
    EXPECTED_TEXT,
    GEMINI_STREAM,
)
from tests.unit.tracing.bridges.sdk_server import SdkServer
from tests.unit.tracing.tracing_fakes import ALICE_KEY, LLM_KEY

WEATHER = {"name": "get_weather", "description": "Weather of a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


@pytest.fixture
def trace(proxy_server: Any) -> str:
    return proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_1")


def _llm(proxy_server: Any, sdk_server: SdkServer, name: str, provider: str) -> None:
    base = sdk_server.url + ("/v1" if provider == "openai" else "")
    proxy_server.fakes.models.models[name] = ResolvedModel(name, f"llm_{provider}", f"{provider}-llm", base,
                                                           LLM_KEY, 30.0, provider)


def _root(proxy_server: Any, trace: str) -> str:
    return proxy_server.base_url(trace).removesuffix("/v1")


def _entry(proxy_server: Any) -> dict[str, Any]:
    return proxy_server.wait_entries(1)[-1]


def _check_entry(entry: dict[str, Any], api: str, provider: str) -> None:
    assert entry["api"] == api and entry["provider"] == provider and entry["status"] == "ok"
    assert entry["output_text"] == EXPECTED_TEXT
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in entry["tool_calls"]] \
        == EXPECTED_CALLS
    assert entry["usage"]["input_tokens"] == 120 and entry["usage"]["output_tokens"] == 30
    assert entry["usage"]["cached_tokens"] == 100


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
def test_anthropic_sdk_reaches_an_openai_compatible_llm(proxy_server: Any, sdk_server: SdkServer, trace: str,
                                                        streamed: bool) -> None:
    _llm(proxy_server, sdk_server, "gpt-on-openai", "openai")
    sdk_server.answer(CHAT_MIXED_STREAM if streamed else CHAT_MIXED)
    client = anthropic.Anthropic(base_url=_root(proxy_server, trace), api_key=ALICE_KEY, max_retries=0)
    kwargs: dict[str, Any] = {
        "model": "gpt-on-openai", "max_tokens": 300, "system": "Be brief.",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [{"name": "get_weather", "description": "Weather", "input_schema": WEATHER["parameters"]}]}
    if streamed:
        with client.messages.stream(**kwargs) as stream:
            kinds = [event.type for event in stream]
            message = stream.get_final_message()
        assert "input_json" in kinds
    else:
        message = client.messages.create(**kwargs)
    upstream = sdk_server.last
    assert upstream["path"] == "/v1/chat/completions"
    assert upstream["headers"]["authorization"] == f"Bearer {LLM_KEY}"
    assert upstream["json"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert upstream["json"]["tools"][0]["function"]["name"] == "get_weather"
    assert upstream["json"].get("stream", False) == streamed
    assert "".join(b.text for b in message.content if b.type == "text") == EXPECTED_TEXT
    assert [(b.name, b.input) for b in message.content if b.type == "tool_use"] == EXPECTED_CALLS
    assert message.stop_reason == "tool_use"
    assert message.usage.input_tokens + (message.usage.cache_read_input_tokens or 0) == 120
    _check_entry(_entry(proxy_server), "messages", "openai")


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
def test_openai_chat_sdk_reaches_an_anthropic_llm(proxy_server: Any, sdk_server: SdkServer, trace: str,
                                                  streamed: bool) -> None:
    _llm(proxy_server, sdk_server, "claude-x", "anthropic")
    sdk_server.answer(ANTHROPIC_STREAM if streamed else ANTHROPIC_MESSAGE)
    client = openai.OpenAI(base_url=proxy_server.base_url(trace), api_key=ALICE_KEY, max_retries=0)
    kwargs: dict[str, Any] = {"model": "claude-x", "messages": [{"role": "user", "content": "Weather in Paris?"}],
                              "tools": [{"type": "function", "function": WEATHER}]}
    if streamed:
        text, args, finish, usage = "", {}, None, None
        for chunk in client.chat.completions.create(**kwargs, stream=True, stream_options={"include_usage": True}):
            usage = chunk.usage or usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for call in choice.delta.tool_calls or ():
                    slot = args.setdefault(call.index, ["", ""])
                    slot[0] += call.function.name or ""
                    slot[1] += call.function.arguments or ""
                finish = choice.finish_reason or finish
        calls = [(n, json.loads(a)) for _, (n, a) in sorted(args.items())]
    else:
        completion = client.chat.completions.create(**kwargs)
        message, finish, usage = completion.choices[0].message, completion.choices[0].finish_reason, completion.usage
        text = message.content or ""
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()]
    upstream = sdk_server.last
    assert upstream["path"] == "/v1/messages" and upstream["headers"]["x-api-key"] == LLM_KEY
    assert upstream["headers"]["anthropic-version"]
    assert upstream["json"]["max_tokens"] > 0 and upstream["json"]["tools"][0]["input_schema"]
    assert (text, calls, finish) == (EXPECTED_TEXT, EXPECTED_CALLS, "tool_calls")
    assert usage is not None and usage.prompt_tokens == 120 and usage.completion_tokens == 30
    _check_entry(_entry(proxy_server), "chat", "anthropic")


def test_google_genai_reaches_an_openai_compatible_llm_streamed(proxy_server: Any, sdk_server: SdkServer,
                                                                trace: str) -> None:
    _llm(proxy_server, sdk_server, "gpt-for-gemini", "openai")
    sdk_server.answer(CHAT_MIXED_STREAM)
    client = genai.Client(api_key=ALICE_KEY, http_options=gtypes.HttpOptions(base_url=_root(proxy_server, trace)))
    config = gtypes.GenerateContentConfig(
        system_instruction="Be brief.", tools=[gtypes.Tool(function_declarations=[gtypes.FunctionDeclaration(
            name="get_weather", description="Weather", parameters_json_schema=WEATHER["parameters"])])],
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chunks = list(client.models.generate_content_stream(model="gpt-for-gemini", contents="Weather in Paris?",
                                                            config=config))
        text = "".join(c.text or "" for c in chunks)
    upstream = sdk_server.last
    assert upstream["path"] == "/v1/chat/completions" and upstream["json"]["stream"] is True
    assert upstream["json"]["model"] == "gpt-for-gemini"
    assert upstream["json"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert text == EXPECTED_TEXT
    assert [(f.name, f.args) for c in chunks for f in c.function_calls or ()] == EXPECTED_CALLS
    assert chunks[-1].usage_metadata.prompt_token_count == 120
    _check_entry(_entry(proxy_server), "gemini", "openai")


def test_openai_responses_sdk_reaches_a_gemini_llm_streamed(proxy_server: Any, sdk_server: SdkServer,
                                                            trace: str) -> None:
    _llm(proxy_server, sdk_server, "gemini-x", "gemini")
    sdk_server.answer(GEMINI_STREAM)
    client = openai.OpenAI(base_url=proxy_server.base_url(trace), api_key=ALICE_KEY, max_retries=0)
    with client.responses.stream(model="gemini-x", instructions="Be brief.", input="Weather in Paris?",
                                 tools=[{"type": "function", **WEATHER}]) as stream:
        response = stream.get_final_response()
    upstream = sdk_server.last
    assert upstream["path"] == "/v1beta/models/gemini-x:streamGenerateContent"
    assert upstream["query"] == {"alt": "sse"} and upstream["headers"]["x-goog-api-key"] == LLM_KEY
    assert upstream["json"]["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert response.output_text == EXPECTED_TEXT
    assert [(o.name, json.loads(o.arguments)) for o in response.output if o.type == "function_call"] \
        == EXPECTED_CALLS
    assert response.usage is not None and response.usage.input_tokens == 120
    _check_entry(_entry(proxy_server), "responses", "gemini")


def test_an_upstream_429_reaches_the_anthropic_sdk_as_its_rate_limit_error(proxy_server: Any,
                                                                           sdk_server: SdkServer,
                                                                           trace: str) -> None:
    _llm(proxy_server, sdk_server, "gpt-busy", "openai")
    sdk_server.answer({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
                      status=429)
    client = anthropic.Anthropic(base_url=_root(proxy_server, trace), api_key=ALICE_KEY, max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(model="gpt-busy", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.body["type"] == "error"
    assert "Rate limit reached" in raised.value.body["error"]["message"]
    assert sdk_server.url not in json.dumps(raised.value.body)


def test_a_stream_cut_before_its_end_is_an_error_in_the_clients_sdk(proxy_server: Any, sdk_server: SdkServer,
                                                                    trace: str) -> None:
    _llm(proxy_server, sdk_server, "gpt-cut", "openai")
    events = CHAT_MIXED_STREAM.split(b"\n\n")
    cut = b"\n\n".join(events[:3]) + b"\n\n"  # role chunk and two text deltas, then the upstream ends
    sdk_server.answer(cut)
    client = anthropic.Anthropic(base_url=_root(proxy_server, trace), api_key=ALICE_KEY, max_retries=0)
    with pytest.raises(anthropic.APIError), client.messages.stream(
            model="gpt-cut", max_tokens=10, messages=[{"role": "user", "content": "hi"}]) as stream:
        for _ in stream:
            pass


def test_count_tokens_is_not_translated(proxy_server: Any, sdk_server: SdkServer, trace: str) -> None:
    _llm(proxy_server, sdk_server, "gpt-count", "openai")
    client = anthropic.Anthropic(base_url=_root(proxy_server, trace), api_key=ALICE_KEY, max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.count_tokens(model="gpt-count", messages=[{"role": "user", "content": "hi"}])
    assert "cannot translate" in raised.value.body["error"]["message"]
    assert sdk_server.requests == []


def test_a_request_that_cannot_be_translated_is_the_clients_400_and_recorded(proxy_server: Any,
                                                                             sdk_server: SdkServer,
                                                                             trace: str) -> None:
    _llm(proxy_server, sdk_server, "claude-y", "anthropic")
    client = openai.OpenAI(base_url=proxy_server.base_url(trace), api_key=ALICE_KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="claude-y", input="hi", previous_response_id="resp_123")
    assert raised.value.code == "untranslatable_request"
    assert sdk_server.requests == []
    entry = _entry(proxy_server)
    assert entry["status"] != "ok" and entry["api"] == "responses"
