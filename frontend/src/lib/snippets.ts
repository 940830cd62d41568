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
  id: 'agno' | 'adk' | 'langchain' | 'openai' | 'env'
  label: string
  language: 'python' | 'bash'
  code: string
}

export function logProxyBaseUrl(origin: string, traceId: string): string {
  return `${origin.replace(/\/$/, '')}/api/log-proxy/${encodeURIComponent(traceId)}/v1`
}

export function buildSnippets({ baseUrl, apiKey, model }: SnippetValues): Snippet[] {
  const q = (s: string) => JSON.stringify(s)
  return [
    {
      id: 'agno',
      label: 'Agno',
      language: 'python',
      code: `from agno.agent import Agent
from agno.models.openai.like import OpenAILike

agent = Agent(
    name="my-agent",
    model=OpenAILike(
        id=${q(model)},
        base_url=${q(baseUrl)},
        api_key=${q(apiKey)},
    ),
)`,
    },
    {
      id: 'adk',
      label: 'ADK / LiteLLM',
      language: 'python',
      code: `from google.adk.agents import LlmAgent
from google.adk.models.lite_llm import LiteLlm

root_agent = LlmAgent(
    name="my_agent",
    model=LiteLlm(
        model=${q(`openai/${model}`)},
        api_base=${q(baseUrl)},
        api_key=${q(apiKey)},
    ),
)`,
    },
    {
      id: 'langchain',
      label: 'LangGraph / LangChain',
      language: 'python',
      code: `from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

llm = ChatOpenAI(
    model=${q(model)},
    base_url=${q(baseUrl)},
    api_key=${q(apiKey)},
)
graph = create_react_agent(llm, tools=[], name="my_agent")`,
    },
    {
      id: 'openai',
      label: 'OpenAI SDK',
      language: 'python',
      code: `from openai import OpenAI

client = OpenAI(base_url=${q(baseUrl)}, api_key=${q(apiKey)})
reply = client.chat.completions.create(
    model=${q(model)},
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    },
    {
      id: 'env',
      label: 'Environment',
      language: 'bash',
      code: `export OPENAI_BASE_URL=${q(baseUrl)}
export OPENAI_API_KEY=${q(apiKey)}
export OPENAI_MODEL=${q(model)}`,
    },
  ]
}
