# Google ADK (its own tracing): a concierge agent transfers to its otter_expert sub-agent.
import asyncio
import json
import os

from google.adk.agents import LlmAgent
from google.adk.models.lite_llm import LiteLlm
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types


def model() -> LiteLlm:
    return LiteLlm(model="openai/" + os.environ["A2G_MODEL"], api_base=os.environ["A2G_LLM_BASE_URL"],
                   api_key=os.environ["A2G_API_KEY"])


expert = LlmAgent(name="otter_expert", model=model(), description="Knows everything about otters.",
                  instruction="Answer questions about otters.")
concierge = LlmAgent(name="concierge", model=model(), instruction="Route each request to the right agent.",
                     sub_agents=[expert])


async def main() -> list[list[str]]:
    sessions = InMemorySessionService()
    runner = Runner(agent=concierge, app_name="otter_desk", session_service=sessions)
    session = await sessions.create_session(app_name="otter_desk", user_id="dev")
    message = types.Content(role="user", parts=[types.Part(text="Tell me about otters")])
    replies = []
    async for event in runner.run_async(user_id="dev", session_id=session.id, new_message=message):
        if event.content and event.content.parts and event.content.parts[0].text:
            replies.append([event.author, event.content.parts[0].text])
    return replies


print(json.dumps({"replies": asyncio.run(main())}))
