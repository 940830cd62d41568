"""LangGraph graphs for the adapter tests, their model the tests' mock LLM.

- `agent`: one node; its system prompt carries the platform trace id from the run's config, so the test
  sees it arrive at the model.
- `relay`: a worker node that asks the model, then a node that has the last word without the model
  (as a supervisor would): the adapter must take that last AI message as the answer.
"""

import os

from langchain_core.messages import AIMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, MessagesState, StateGraph

# the key and model are set when the model is reached through the platform's log-proxy
model = ChatOpenAI(model=os.environ.get("A2G_TEST_LLM_MODEL", "mock-model"),
                   base_url=os.environ["A2G_TEST_LLM_BASE_URL"],
                   api_key=os.environ.get("A2G_TEST_LLM_API_KEY", "test-key"))


async def answer(state: MessagesState, config: RunnableConfig) -> dict:
    trace = (config.get("configurable") or {}).get("a2g_trace_id", "none")
    reply = await model.ainvoke([SystemMessage(f"Platform trace: {trace}"), *state["messages"]], config)
    return {"messages": [reply]}


async def last_word(state: MessagesState) -> dict:
    return {"messages": [AIMessage(content="Final: the worker has answered", name="supervisor")]}


builder = StateGraph(MessagesState)
builder.add_node("agent", answer)
builder.add_edge(START, "agent")
builder.add_edge("agent", END)
graph = builder.compile()

relay_builder = StateGraph(MessagesState)
relay_builder.add_node("worker", answer)
relay_builder.add_node("supervisor", last_word)
relay_builder.add_edge(START, "worker")
relay_builder.add_edge("worker", "supervisor")
relay_builder.add_edge("supervisor", END)
relay = relay_builder.compile()
