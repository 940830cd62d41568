# An Agno team: the leader delegates to its researcher, which calls a tool.
import json
import os

from agno.agent import Agent
from agno.models.openai import OpenAIChat
from agno.team import Team


def model() -> OpenAIChat:
    return OpenAIChat(id=os.environ["A2G_MODEL"], base_url=os.environ["A2G_LLM_BASE_URL"],
                      api_key=os.environ["A2G_API_KEY"])


def find_facts(topic: str) -> str:
    """Find facts about a topic."""
    return f"{topic}: they hold hands while sleeping"


researcher = Agent(name="Researcher", id="researcher", role="Finds facts", model=model(), tools=[find_facts],
                   telemetry=False)
team = Team(name="Editorial", id="editorial", members=[researcher], model=model(), telemetry=False)
result = team.run("Write one line about otters")
print(json.dumps({"output": str(result.content)}))
