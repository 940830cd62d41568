# A LangGraph supervisor (langgraph-supervisor) with one research agent that calls a tool.
import json
import os
import warnings

from langchain.agents import create_agent
from langchain_openai import ChatOpenAI
from langgraph_supervisor import create_supervisor

warnings.filterwarnings("ignore", message="create_react_agent has been moved")
model = ChatOpenAI(model=os.environ["A2G_MODEL"], base_url=os.environ["A2G_LLM_BASE_URL"],
                   api_key=os.environ["A2G_API_KEY"], max_retries=0)


def look_up_fact(topic: str) -> str:
    """Look up one fact about a topic."""
    return f"{topic}: they hold hands while sleeping"


researcher = create_agent(model, tools=[look_up_fact], name="research_expert", system_prompt="You research animals.")
graph = create_supervisor([researcher], model=model, prompt="You manage a research expert.").compile()
result = graph.invoke({"messages": [{"role": "user", "content": "Tell me about otters"}]})
print(json.dumps({"output": result["messages"][-1].content}))
