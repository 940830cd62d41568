"""Each client's real SDK accepts what the bridges make of every other provider's answer, whole and streamed.

The SDK calls a loopback server that answers the translated upstream payload (`bridge_payloads.UPSTREAM`: the
same answer — text, two parallel tool calls, usage with cached and reasoning tokens — in each upstream
format). The SDK's own request is captured by the same server and translated too.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import anthropic
import openai
import pytest
from a2g.tracing.formats.bridges import bridge_between
from google import genai
from google.genai import types as gtypes

from tests.unit.tracing.bridges.bridge_payloads import EXPECTED_CALLS, EXPECTED_TEXT, UPSTREAM
from tests.unit.tracing.bridges.sdk_server import SdkServer

TOOL = {"name": "get_weather", "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PAIRS = [(client, upstream) for client in ("messages", "gemini", "responses", "chat")
         for upstream in UPSTREAM if upstream != client]


def _answer(server: SdkServer, client: str, upstream: str, streamed: bool) -> None:
    """Serve the upstream's answer as translated for the client (using the SDK's request, captured first)."""
    bridge = bridge_between(client, upstream)
    assert bridge is not None
    whole, stream, _ = UPSTREAM[upstream]
    request = server.requests[-1]["json"] if server.requests else {"stream_options": {"include_usage": True}}
    if streamed:
        translator = bridge.stream(request=request, model="the-model")
        server.answer(translator.feed(stream) + translator.close())
        assert translator.complete
    else:
        server.answer(bridge.response(whole, request=request, model="the-model"))


def _call(server: SdkServer, client: str, upstream: str, streamed: bool) -> tuple[str, list[Any], str, Any]:
    """Run the client's SDK twice: once to capture its request, once to read the translated answer."""
    _answer(server, client, upstream, streamed)  # translated without the request, for the capture run
    _run_sdk(server, client, streamed)
    captured = server.requests[-1]
    bridge = bridge_between(client, upstream)
    assert bridge is not None
    upstream_body = bridge.request(captured["json"], model="the-model",
                                   stream=streamed if client == "gemini" else None)
    _check_upstream_request(upstream, upstream_body, streamed)
    _answer(server, client, upstream, streamed)
    return _run_sdk(server, client, streamed)


def _check_upstream_request(upstream: str, body: dict[str, Any], streamed: bool) -> None:
    """The SDK's request, translated: the user's words and the tool reach the upstream in its own shape."""
    text = json.dumps(body)
    assert "What is the weather in Paris?" in text and "get_weather" in text
    if upstream == "chat":
        assert body["messages"][-1] == {"role": "user", "content": "What is the weather in Paris?"}
        assert body["tools"][0]["function"]["parameters"]["properties"]["city"]["type"] == "string"
        assert body.get("stream", False) == streamed
    elif upstream == "messages":
        assert body["messages"][-1]["role"] == "user" and body["max_tokens"] > 0
        assert body["tools"][0]["input_schema"]["properties"]["city"]["type"] == "string"
    elif upstream == "gemini":
        assert body["contents"][-1]["role"] == "user" and "model" not in body
        declaration = body["tools"][0]["functionDeclarations"][0]
        assert declaration["parametersJsonSchema"]["properties"]["city"]["type"] == "string"
    elif upstream == "responses":
        assert body["input"][-1]["role"] == "user"
        assert body["tools"][0]["name"] == "get_weather"


def _run_sdk(server: SdkServer, client: str, streamed: bool) -> tuple[str, list[Any], str, Any]:
    question = "What is the weather in Paris?"
    if client == "messages":
        sdk = anthropic.Anthropic(base_url=server.url, api_key="k", max_retries=0)
        kwargs: dict[str, Any] = {
            "model": "the-model", "max_tokens": 200, "system": "Be brief.",
            "messages": [{"role": "user", "content": question}],
            "tools": [{"name": TOOL["name"], "description": TOOL["description"], "input_schema": TOOL["parameters"]}]}
        if streamed:
            with sdk.messages.stream(**kwargs) as stream:
                kinds = {event.type for event in stream}
                message = stream.get_final_message()
            assert {"message_start", "content_block_start", "text", "input_json", "message_stop"} <= kinds
        else:
            message = sdk.messages.create(**kwargs)
        text = "".join(b.text for b in message.content if b.type == "text")
        calls = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
        assert all(b.id for b in message.content if b.type == "tool_use")
        usage = message.usage
        reasoning = usage.output_tokens_details.thinking_tokens if usage.output_tokens_details else 0
        return text, calls, str(message.stop_reason), (
            usage.input_tokens + (usage.cache_read_input_tokens or 0), usage.output_tokens,
            usage.cache_read_input_tokens, reasoning)
    if client == "gemini":
        sdk = genai.Client(api_key="k", http_options=gtypes.HttpOptions(base_url=server.url))
        config = gtypes.GenerateContentConfig(
            system_instruction="Be brief.", tools=[gtypes.Tool(function_declarations=[gtypes.FunctionDeclaration(
                name=TOOL["name"], description=TOOL["description"], parameters_json_schema=TOOL["parameters"])])],
            automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `.text` of a response with function calls warns
            if streamed:
                chunks = list(sdk.models.generate_content_stream(model="the-model", contents=question,
                                                                 config=config))
                assert len(chunks) >= 2
                text = "".join(c.text or "" for c in chunks)
                calls = [(f.name, f.args) for c in chunks for f in c.function_calls or ()]
                last = chunks[-1]
            else:
                last = sdk.models.generate_content(model="the-model", contents=question, config=config)
                text = last.text or ""
                calls = [(f.name, f.args) for f in last.function_calls or ()]
        meta = last.usage_metadata
        assert meta is not None and last.candidates
        return text, calls, str(last.candidates[0].finish_reason.value), (
            meta.prompt_token_count, (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0),
            meta.cached_content_token_count, meta.thoughts_token_count or 0)
    sdk_openai = openai.OpenAI(base_url=server.url + "/v1", api_key="k", max_retries=0)
    tool = {"type": "function", **TOOL}
    if client == "responses":
        kwargs = {"model": "the-model", "instructions": "Be brief.", "input": question, "tools": [tool]}
        if streamed:
            with sdk_openai.responses.stream(**kwargs) as rstream:
                kinds = {event.type for event in rstream}
                response = rstream.get_final_response()
            assert {"response.created", "response.output_text.delta", "response.function_call_arguments.delta",
                    "response.output_item.done", "response.completed"} <= kinds
        else:
            response = sdk_openai.responses.create(**kwargs)
        calls = [(o.name, json.loads(o.arguments)) for o in response.output if o.type == "function_call"]
        assert all(o.call_id for o in response.output if o.type == "function_call")
        u = response.usage
        assert u is not None
        return response.output_text, calls, response.status or "", (
            u.input_tokens, u.output_tokens, u.input_tokens_details.cached_tokens,
            u.output_tokens_details.reasoning_tokens)
    kwargs = {"model": "the-model", "messages": [{"role": "system", "content": "Be brief."},
                                                  {"role": "user", "content": question}],
              "tools": [{"type": "function", "function": TOOL}]}
    if streamed:
        text, by_index, finish, usage = "", {}, "", None
        for chunk in sdk_openai.chat.completions.create(**kwargs, stream=True,
                                                        stream_options={"include_usage": True}):
            usage = chunk.usage or usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
                for call in choice.delta.tool_calls or ():
                    slot = by_index.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
                    slot["id"] = slot["id"] or call.id
                    slot["name"] += (call.function.name or "") if call.function else ""
                    slot["arguments"] += (call.function.arguments or "") if call.function else ""
                finish = choice.finish_reason or finish
        assert all(s["id"] for s in by_index.values())
        calls = [(s["name"], json.loads(s["arguments"])) for _, s in sorted(by_index.items())]
    else:
        completion = sdk_openai.chat.completions.create(**kwargs)
        message = completion.choices[0].message
        text, finish, usage = message.content or "", completion.choices[0].finish_reason, completion.usage
        calls = [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()]
    assert usage is not None
    return text, calls, finish, (
        usage.prompt_tokens, usage.completion_tokens,
        usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else 0,
        usage.completion_tokens_details.reasoning_tokens if usage.completion_tokens_details else 0)


STOP = {"messages": "tool_use", "gemini": "STOP", "responses": "completed", "chat": "tool_calls"}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize(("client", "upstream"), PAIRS, ids=[f"{c}<-{u}" for c, u in PAIRS])
def test_the_clients_sdk_reads_another_providers_answer(sdk_server: SdkServer, client: str, upstream: str,
                                                        streamed: bool) -> None:
    text, calls, stop, (prompt, completion, cached, reasoning) = _call(sdk_server, client, upstream, streamed)
    assert text == EXPECTED_TEXT
    assert calls == EXPECTED_CALLS
    assert stop == STOP[client]
    assert (prompt, completion, cached) == (120, 30, 100)
    assert reasoning == UPSTREAM[upstream][2]
