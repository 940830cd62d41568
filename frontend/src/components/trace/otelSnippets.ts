/** The few lines per framework that export its OpenTelemetry spans to the platform (issue 15). */
export interface OtelSnippet {
  id: string
  label: string
  code: string
}

export function otelEndpoint(origin: string, traceId: string): string {
  return `${origin}/api/otel/${traceId}`
}

const EXPORTER = (endpoint: string, key: string) => `from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

provider = TracerProvider()
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
    endpoint="${endpoint}/v1/traces",
    headers={"authorization": "Bearer ${key}"},
)))
trace.set_tracer_provider(provider)`

export function buildOtelSnippets(endpoint: string, apiKey: string, traceId: string): OtelSnippet[] {
  return [
    {
      id: 'env',
      label: 'Environment',
      code: `export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="${endpoint}/v1/traces"
export OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer ${apiKey}"
# or one endpoint for every trace: .../api/otel/v1/traces with
# OTEL_RESOURCE_ATTRIBUTES="a2g.trace_id=${traceId}"`,
    },
    {
      id: 'adk',
      label: 'Google ADK',
      code: `# ADK traces natively: set the exporter before the Runner starts.
${EXPORTER(endpoint, apiKey)}`,
    },
    {
      id: 'openai-agents',
      label: 'OpenAI Agents SDK',
      code: `# pip install openinference-instrumentation-openai-agents
${EXPORTER(endpoint, apiKey)}
from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor
OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)`,
    },
    {
      id: 'agno',
      label: 'Agno',
      code: `# pip install openinference-instrumentation-agno
${EXPORTER(endpoint, apiKey)}
from openinference.instrumentation.agno import AgnoInstrumentor
AgnoInstrumentor().instrument(tracer_provider=provider)`,
    },
    {
      id: 'langgraph',
      label: 'LangGraph',
      code: `# pip install openinference-instrumentation-langchain
${EXPORTER(endpoint, apiKey)}
from openinference.instrumentation.langchain import LangChainInstrumentor
LangChainInstrumentor().instrument(tracer_provider=provider)`,
    },
  ]
}
