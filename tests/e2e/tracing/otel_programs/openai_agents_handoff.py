# The OpenAI Agents SDK: a triage agent hands off to a billing agent, which calls a function tool.
import json
import os

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool
from openai import AsyncOpenAI

client = AsyncOpenAI(base_url=os.environ["A2G_LLM_BASE_URL"], api_key=os.environ["A2G_API_KEY"], max_retries=0)
model = OpenAIChatCompletionsModel(model=os.environ["A2G_MODEL"], openai_client=client)


@function_tool
def lookup_invoice(invoice_id: str) -> str:
    """Look an invoice up by its id."""
    return f"{invoice_id}: paid on 2026-11-30"


billing = Agent(name="Billing Agent", instructions="You handle billing questions.", model=model,
                tools=[lookup_invoice])
triage = Agent(name="Triage Agent", instructions="Route the user to the right agent.", model=model,
               handoffs=[billing])
result = Runner.run_sync(triage, "Was invoice INV-7 paid?")
print(json.dumps({"last_agent": result.last_agent.name, "output": result.final_output}))
