"""A Google ADK agent for the adapter tests: LiteLLM pointed at the tests' mock LLM. Its instruction reads
the platform's trace id from session state, so the test sees it arrive in the model's prompt."""

import os

from google.adk.agents import LlmAgent
from google.adk.models.lite_llm import LiteLlm

root_agent = LlmAgent(
    name="helper",
    model=LiteLlm(
        # the key and model are set when the model is reached through the platform's log-proxy
        model="openai/" + os.environ.get("A2G_TEST_LLM_MODEL", "mock-model"),
        api_base=os.environ["A2G_TEST_LLM_BASE_URL"],
        api_key=os.environ.get("A2G_TEST_LLM_API_KEY", "test-key"),
    ),
    instruction="You are a helpful assistant. Platform trace: {a2g_trace_id?}",
)
