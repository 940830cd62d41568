/**
 * What a developer pastes into their agent so its LLM calls go through the log-proxy and show up live:
 * the base URL carries the agent's trace id; the key is the developer's own API key.
 */

export interface SnippetValues {
  baseUrl: string
  apiKey: string
  model: string
}

export interface Snippet {
  id: 'openai' | 'openai-agents' | 'anthropic' | 'google-genai' | 'adk' | 'agno' | 'langchain' | 'pydantic-ai' | 'env'
  label: string
  language: 'python' | 'bash'
  code: string
}

export function logProxyBaseUrl(origin: string, traceId: string): string {
  return `${origin.replace(/\/$/, '')}/api/log-proxy/${encodeURIComponent(traceId)}/v1`
}

/**
 * One snippet per SDK: where it takes the base URL and the key, and how it sends `X-Agent-Id` on every call
 * (its default headers), so each sub-agent is named exactly in the trace. OpenAI-style clients use `<base>/v1`;
 * the Anthropic and Google SDKs add their own version path, so they get the trace's base without it.
 */
export function buildSnippets({ baseUrl, apiKey, model }: SnippetValues): Snippet[] {
  const q = (s: string) => JSON.stringify(s)
  const root = baseUrl.replace(/\/v1$/, '')
  return [
    {
      id: 'openai',
      label: 'OpenAI SDK',
      language: 'python',
      code: `from openai import OpenAI

client = OpenAI(
    base_url=${q(baseUrl)},
    api_key=${q(apiKey)},
    default_headers={"X-Agent-Id": "my-agent"},
)
reply = client.responses.create(model=${q(model)}, input="Hello!")  # or client.chat.completions.create(...)
print(reply.output_text)`,
    },
    {
      id: 'openai-agents',
      label: 'OpenAI Agents SDK',
      language: 'python',
      code: `from agents import Agent, ModelSettings, Runner
from agents import set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

set_tracing_disabled(True)  # the SDK's own traces would go to OpenAI
client = AsyncOpenAI(base_url=${q(baseUrl)}, api_key=${q(apiKey)})
set_default_openai_client(client, use_for_tracing=False)

billing = Agent(name="Billing", model=${q(model)},
                model_settings=ModelSettings(extra_headers={"X-Agent-Id": "billing"}))
triage = Agent(name="Triage", model=${q(model)}, handoffs=[billing],
               model_settings=ModelSettings(extra_headers={"X-Agent-Id": "triage"}))
print(Runner.run_sync(triage, "Hello!").final_output)`,
    },
    {
      id: 'anthropic',
      label: 'Anthropic SDK',
      language: 'python',
      code: `import anthropic

client = anthropic.Anthropic(
    base_url=${q(root)},
    api_key=${q(apiKey)},
    default_headers={"X-Agent-Id": "my-agent"},
)
message = client.messages.create(model=${q(model)}, max_tokens=1024,
                                 messages=[{"role": "user", "content": "Hello!"}])
print(message.content[0].text)`,
    },
    {
      id: 'google-genai',
      label: 'Google GenAI',
      language: 'python',
      code: `from google import genai
from google.genai import types

client = genai.Client(api_key=${q(apiKey)}, http_options=types.HttpOptions(
    base_url=${q(root)},
    headers={"X-Agent-Id": "my-agent"},
))
reply = client.models.generate_content(model=${q(model)}, contents="Hello!")
print(reply.text)`,
    },
    {
      id: 'adk',
      label: 'Google ADK',
      language: 'python',
      code: `import os
from google.adk.agents import LlmAgent
from google.adk.models import Gemini

os.environ["GOOGLE_API_KEY"] = ${q(apiKey)}
os.environ["GOOGLE_GEMINI_BASE_URL"] = ${q(root)}

# ADK names each agent in its prompt ("Your internal name is ..."): no header needed
root_agent = LlmAgent(name="my_agent", model=Gemini(model=${q(model)}, base_url=${q(root)}))`,
    },
    {
      id: 'agno',
      label: 'Agno',
      language: 'python',
      code: `from agno.agent import Agent
from agno.models.openai import OpenAIResponses  # or OpenAILike for Chat Completions

agent = Agent(
    name="my-agent",
    model=OpenAIResponses(
        id=${q(model)},
        base_url=${q(baseUrl)},
        api_key=${q(apiKey)},
        default_headers={"X-Agent-Id": "my-agent"},
    ),
)
agent.print_response("Hello!")`,
    },
    {
      id: 'langchain',
      label: 'LangGraph / LangChain',
      language: 'python',
      code: `from langchain.agents import create_agent
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(
    model=${q(model)},
    base_url=${q(baseUrl)},
    api_key=${q(apiKey)},
    default_headers={"X-Agent-Id": "my_agent"},
    # use_responses_api=True,  # the Responses API works too
)
graph = create_agent(llm, tools=[], name="my_agent")  # one ChatOpenAI per agent, each with its own X-Agent-Id
graph.invoke({"messages": [{"role": "user", "content": "Hello!"}]})`,
    },
    {
      id: 'pydantic-ai',
      label: 'Pydantic AI',
      language: 'python',
      code: `from openai import AsyncOpenAI
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

client = AsyncOpenAI(base_url=${q(baseUrl)}, api_key=${q(apiKey)},
                     default_headers={"X-Agent-Id": "my-agent"})
agent = Agent(OpenAIResponsesModel(${q(model)}, provider=OpenAIProvider(openai_client=client)))
print(agent.run_sync("Hello!").output)`,
    },
    {
      id: 'env',
      label: 'Environment',
      language: 'bash',
      code: `export OPENAI_BASE_URL=${q(baseUrl)}
export OPENAI_API_KEY=${q(apiKey)}
export ANTHROPIC_BASE_URL=${q(root)}
export ANTHROPIC_API_KEY=${q(apiKey)}
export GOOGLE_GEMINI_BASE_URL=${q(root)}
export GOOGLE_API_KEY=${q(apiKey)}
export OPENAI_MODEL=${q(model)}`,
    },
  ]
}
