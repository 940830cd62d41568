"""What the real SDKs send, captured on loopback, translated to every other provider's request: system
prompts, multi-turn with tool calls and their results, images, tool definitions and choice, JSON output,
limits and stop sequences; and back to the hub again (the round trip keeps the meaning)."""

from __future__ import annotations

import base64
import json
from typing import Any

import anthropic
import openai
import pytest
from a2g.tracing.formats.bridges import BridgeError, bridge_between, bridge_for
from google import genai
from google.genai import types as gtypes

from tests.unit.tracing.bridges.bridge_payloads import CHAT_TEXT, GEMINI_RESPONSE, RESPONSES_RESPONSE
from tests.unit.tracing.bridges.sdk_server import SdkServer

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
          "additionalProperties": False}
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _chat_of(client: str, body: dict[str, Any], model: str = "m", stream: bool | None = None) -> dict[str, Any]:
    bridge = bridge_between(client, "chat")
    assert bridge is not None
    return bridge.request(body, model=model, stream=stream)


def _roles(chat: dict[str, Any]) -> list[str]:
    return [m["role"] for m in chat["messages"]]


def test_what_the_anthropic_sdk_sends_becomes_an_equivalent_chat_request(sdk_server: SdkServer) -> None:
    sdk_server.answer({"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [],
                       "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}})
    anthropic.Anthropic(base_url=sdk_server.url, api_key="k", max_retries=0).messages.create(
        model="claude-x", max_tokens=256, system=[{"type": "text", "text": "You are terse."}],
        extra_body={"temperature": 0.2, "top_p": 0.9}, stop_sequences=["END"],
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "What is in the picture?"},
                                         {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                                      "data": PNG}},
                                         {"type": "image", "source": {"type": "url",
                                                                      "url": "https://x.test/a.jpg"}}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "rain"}],
                 "is_error": True},
                {"type": "text", "text": "And tomorrow?"}]}],
        tools=[{"name": "get_weather", "description": "Weather", "input_schema": PARAMS},
               {"type": "web_search_20250305", "name": "web_search"}],
        tool_choice={"type": "any", "disable_parallel_tool_use": True},
        output_config={"format": {"type": "json_schema", "schema": SCHEMA}},
        metadata={"user_id": "u-1"})
    sent = sdk_server.last["json"]
    chat = _chat_of("messages", sent, stream=False)
    assert _roles(chat) == ["system", "user", "assistant", "tool", "tool", "user"]
    assert chat["messages"][0]["content"] == "You are terse."
    assert chat["messages"][1]["content"] == [
        {"type": "text", "text": "What is in the picture?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/a.jpg"}}]
    assistant = chat["messages"][2]
    assert assistant["content"] == "Checking."
    assert [(c["id"], json.loads(c["function"]["arguments"])) for c in assistant["tool_calls"]] == [
        ("toolu_1", {"city": "Paris"}), ("toolu_2", {"city": "Rome"})]
    assert chat["messages"][3] == {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"}
    assert chat["messages"][4]["tool_call_id"] == "toolu_2" and "rain" in chat["messages"][4]["content"]
    assert chat["messages"][5] == {"role": "user", "content": "And tomorrow?"}
    assert chat["tools"] == [{"type": "function", "function": {"name": "get_weather", "parameters": PARAMS,
                                                               "description": "Weather"}}]
    assert chat["tool_choice"] == "required" and chat["parallel_tool_calls"] is False
    assert chat["response_format"] == {"type": "json_schema", "json_schema": {"name": "response", "schema": SCHEMA}}
    assert (chat["max_tokens"], chat["temperature"], chat["top_p"], chat["stop"], chat["user"]) == (
        256, 0.2, 0.9, ["END"], "u-1")
    # to Gemini: the same conversation, alternating user/model turns, the results answering the calls by name
    gemini = bridge_for("messages", "gemini").request(sent, model="gemini-x")  # type: ignore[union-attr]
    assert [c["role"] for c in gemini["contents"]] == ["user", "model", "user"]
    assert gemini["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": PNG}}
    calls = [p["functionCall"] for p in gemini["contents"][1]["parts"] if "functionCall" in p]
    answers = [p["functionResponse"] for p in gemini["contents"][2]["parts"] if "functionResponse" in p]
    assert [c["name"] for c in calls] == [a["name"] for a in answers] == ["get_weather", "get_weather"]
    assert gemini["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    assert gemini["generationConfig"]["responseJsonSchema"] == SCHEMA
    assert gemini["generationConfig"]["stopSequences"] == ["END"]
    assert gemini["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


def test_what_the_openai_chat_sdk_sends_reaches_anthropic_and_gemini(sdk_server: SdkServer) -> None:
    sdk_server.answer(CHAT_TEXT)
    openai.OpenAI(base_url=sdk_server.url + "/v1", api_key="k", max_retries=0).chat.completions.create(
        model="gpt-x", max_completion_tokens=100, stop="STOP", temperature=1.5,
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Look"},
                                         {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
                {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": '{"tz":"CET"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_2", "content": '{"time": "10:00"}'},
            {"role": "user", "content": "Thanks"}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": PARAMS}},
               {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": SCHEMA}})
    sent = sdk_server.last["json"]
    messages = bridge_for("chat", "anthropic").request(sent)  # type: ignore[union-attr]
    assert messages["system"] == "Be brief." and messages["max_tokens"] == 100
    assert messages["temperature"] == 1.0 and messages["stop_sequences"] == ["STOP"]
    assert [t["role"] for t in messages["messages"]] == ["user", "assistant", "user"]
    assert messages["messages"][0]["content"][1] == {
        "type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    assert [(b["id"], b["input"]) for b in messages["messages"][1]["content"]] == [
        ("call_1", {"city": "Paris"}), ("call_2", {"tz": "CET"})]
    results = messages["messages"][2]["content"]
    assert [(b["type"], b.get("tool_use_id")) for b in results] == [
        ("tool_result", "call_1"), ("tool_result", "call_2"), ("text", None)]
    assert messages["tool_choice"] == {"type": "tool", "name": "get_weather"}
    assert messages["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    gemini = bridge_for("chat", "gemini").request(sent, model="gpt-x")  # type: ignore[union-attr]
    assert "model" not in gemini
    model_turn = gemini["contents"][1]
    assert model_turn["role"] == "model"
    assert model_turn["parts"][0]["thoughtSignature"]  # another model's calls carry the documented bypass
    answers = [p["functionResponse"] for p in gemini["contents"][2]["parts"] if "functionResponse" in p]
    assert answers == [{"name": "get_weather", "response": {"result": "sunny"}},
                       {"name": "get_time", "response": {"time": "10:00"}}]
    assert gemini["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
    assert gemini["generationConfig"]["maxOutputTokens"] == 100
    # and back: the hub conversation the chat client sent, as the Messages request says it
    again = _chat_of("messages", messages)
    assert _roles(again) == ["system", "user", "assistant", "tool", "tool", "user"]
    assert again["messages"][2]["tool_calls"] == sent["messages"][2]["tool_calls"]


def test_what_google_genai_sends_becomes_an_equivalent_chat_request(sdk_server: SdkServer) -> None:
    sdk_server.answer(GEMINI_RESPONSE)
    client = genai.Client(api_key="k", http_options=gtypes.HttpOptions(base_url=sdk_server.url))
    client.models.generate_content(
        model="gemini-x",
        contents=[
            gtypes.Content(role="user", parts=[gtypes.Part.from_text(text="Weather?"),
                                               gtypes.Part.from_bytes(data=b"\x89PNG", mime_type="image/png")]),
            gtypes.Content(role="model", parts=[gtypes.Part.from_function_call(name="get_weather",
                                                                               args={"city": "Paris"})]),
            gtypes.Content(role="user", parts=[gtypes.Part.from_function_response(name="get_weather",
                                                                                  response={"sky": "sunny"})]),
        ],
        config=gtypes.GenerateContentConfig(
            system_instruction="Be brief.", max_output_tokens=50, stop_sequences=["END"], temperature=0.1,
            response_mime_type="application/json",
            response_schema=gtypes.Schema(type=gtypes.Type.OBJECT, properties={
                "answer": gtypes.Schema(type=gtypes.Type.STRING, nullable=True)}),
            tools=[gtypes.Tool(function_declarations=[gtypes.FunctionDeclaration(
                name="get_weather", description="Weather", parameters=gtypes.Schema(
                    type=gtypes.Type.OBJECT, properties={"city": gtypes.Schema(type=gtypes.Type.STRING)},
                    required=["city"]))])],
            tool_config=gtypes.ToolConfig(function_calling_config=gtypes.FunctionCallingConfig(mode="ANY")),
            automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True)))
    request = sdk_server.last
    assert request["path"] == "/v1beta/models/gemini-x:generateContent"
    chat = _chat_of("gemini", request["json"], model="gemini-x", stream=False)
    assert chat["model"] == "gemini-x"
    assert _roles(chat) == ["system", "user", "assistant", "tool"]
    assert chat["messages"][1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    call = chat["messages"][2]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert chat["messages"][3]["tool_call_id"] == call["id"]  # the response found its call
    assert json.loads(chat["messages"][3]["content"]) == {"sky": "sunny"}
    assert chat["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {
        "city": {"type": "string"}}, "required": ["city"]}
    assert chat["tool_choice"] == "required"
    assert chat["response_format"]["json_schema"]["schema"] == {
        "type": "object", "properties": {"answer": {"type": ["string", "null"]}}}
    assert (chat["max_tokens"], chat["stop"], chat["temperature"]) == (50, ["END"], 0.1)


def test_what_the_openai_responses_sdk_sends_becomes_an_equivalent_chat_request(sdk_server: SdkServer) -> None:
    sdk_server.answer(RESPONSES_RESPONSE)
    openai.OpenAI(base_url=sdk_server.url + "/v1", api_key="k", max_retries=0).responses.create(
        model="gpt-5", instructions="Be brief.", max_output_tokens=80, reasoning={"effort": "low"},
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Weather?"},
                                         {"type": "input_image", "image_url": "https://x.test/a.png",
                                          "detail": "low"}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": '{"city":"Paris"}'},
            {"type": "function_call", "call_id": "call_b", "name": "get_weather", "arguments": '{"city":"Rome"}'},
            {"type": "function_call_output", "call_id": "call_a", "output": "sunny"},
            {"type": "function_call_output", "call_id": "call_b", "output": "rain"},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Sunny and rain."}]},
            {"role": "user", "content": "Thanks"}],
        tools=[{"type": "function", "name": "get_weather", "parameters": PARAMS, "strict": True},
               {"type": "web_search"}],
        tool_choice={"type": "function", "name": "get_weather"},
        text={"format": {"type": "json_schema", "name": "a", "schema": SCHEMA, "strict": True}})
    chat = _chat_of("responses", sdk_server.last["json"])
    assert _roles(chat) == ["system", "user", "assistant", "tool", "tool", "assistant", "user"]
    assert chat["messages"][1]["content"][1] == {"type": "image_url",
                                                 "image_url": {"url": "https://x.test/a.png", "detail": "low"}}
    assert [c["id"] for c in chat["messages"][2]["tool_calls"]] == ["call_a", "call_b"]
    assert chat["tools"] == [{"type": "function", "function": {"name": "get_weather", "parameters": PARAMS,
                                                               "strict": True}}]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert chat["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "a", "schema": SCHEMA, "strict": True}}
    assert chat["max_tokens"] == 80 and "reasoning" not in chat
    # a chat client's request to a Responses upstream says the same again
    back = bridge_between("chat", "responses").request(chat)  # type: ignore[union-attr]
    assert _roles(_chat_of("responses", back)) == _roles(chat)


def test_a_plain_string_input_and_instructions() -> None:
    chat = _chat_of("responses", {"model": "x", "input": "hi", "instructions": "sys", "stream": True})
    assert chat["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}]
    assert chat["stream"] is True and chat["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(("client", "body"), [
    ("messages", {"model": "m", "messages": "not a list"}),
    ("messages", {"model": "m", "messages": [{"role": "system", "content": "x"}]}),
    ("responses", {"model": "m", "input": "hi", "previous_response_id": "resp_1"}),
    ("gemini", {"contents": {"role": "user"}}),
    ("chat", {"model": "m", "messages": [{"role": "robot", "content": "x"}]}),
])
def test_a_body_that_cannot_be_translated_raises_the_one_bridge_error(client: str, body: dict[str, Any]) -> None:
    upstream = "messages" if client != "messages" else "chat"
    bridge = bridge_between(client, upstream)
    assert bridge is not None
    with pytest.raises(BridgeError):
        bridge.request(body, model="m")


def test_fields_a_format_does_not_know_are_ignored() -> None:
    chat = _chat_of("messages", {"model": "m", "max_tokens": 5, "future_field": {"x": 1},
                                 "messages": [{"role": "user", "content": [{"type": "new_block", "x": 1},
                                                                           {"type": "text", "text": "hi"}]}]})
    assert chat["messages"] == [{"role": "user", "content": "hi"}] and "future_field" not in chat


def test_dispatch_same_provider_passes_through_and_other_apis_have_no_bridge() -> None:
    assert bridge_for("chat", "openai") is None and bridge_for("responses", "openai") is None
    assert bridge_for("messages", "anthropic") is None and bridge_for("gemini", "gemini") is None
    assert bridge_for("embeddings", "anthropic") is None and bridge_for("completions", "gemini") is None
    assert bridge_for("responses", "anthropic").upstream_format == "messages"  # type: ignore[union-attr]
    assert bridge_for("messages", "openai").upstream_format == "chat"  # type: ignore[union-attr]
