/**
 * Maps the API's shapes — the generated `Schemas` (schema.d.ts, from the OpenAPI document) — onto the UI's
 * (`types.ts`): the connection flattened into the agent, framework lower-case, skills as names. The REST
 * answers are typed, so nothing here guesses at synonyms or wrappers (a list or a nested object the document
 * requires is still read with `?? []` / `?.`: a blank page is a worse failure than an empty list); only what
 * arrives over the WebSocket
 * (`toMessage`, `toTraceEntry`: the AsyncAPI document's pushes, not the OpenAPI one's) is read defensively.
 */
import type { Schemas } from './typed'
import type {
  Agent,
  ApiKey,
  Attachment,
  AuthConfig,
  ChatMessage,
  ChatSession,
  CreatedApiKey,
  Llm,
  MatchLevel,
  RankedAgent,
  RankedPage,
  ScanResult,
  ScanTarget,
  TraceEntry,
  UsageRow,
  User,
} from './types'

type Json = Record<string, unknown>

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {})
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v == null ? fallback : String(v))
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0)
const opt = (v: string | null | undefined): string | undefined => (v ? v : undefined)

/** Every skill's `examples` (A2A AgentSkill), in order, without repeats. */
export function skillExamples(skills: readonly { examples?: string[] | null }[] | null | undefined): string[] {
  const all = (skills ?? []).flatMap((s) => s.examples ?? [])
  return [...new Set(all.map((e) => e.trim()).filter(Boolean))]
}

/** A list from a bare array or the first array-valued field among `keys` (then any array field). */
export function listOf(raw: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(raw)) return raw
  const o = obj(raw)
  for (const k of [...keys, 'items', 'results', 'data']) if (Array.isArray(o[k])) return o[k] as unknown[]
  return []
}

function pick(o: Json, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k]
  return undefined
}

export function toUser(raw: Schemas['UserView'] | Schemas['Me']): User {
  return {
    user_id: raw.user_id,
    username: raw.username,
    display_name: raw.display_name || raw.username,
    team: raw.team,
    role: raw.role as User['role'],
    email: opt(raw.email),
    created_at: opt(raw.created_at),
    last_login_at: opt(raw.last_login_at),
  }
}

export function toAuthConfig(raw: Schemas['AuthConfig']): AuthConfig {
  return { sso_enabled: raw.sso_enabled, dev_login_enabled: raw.dev_login_enabled }
}

type AnyAgent = Schemas['AgentView'] | Schemas['VisibleAgent'] | Schemas['PublicAgentView']

export function toAgent(raw: AnyAgent): Agent {
  const full = raw as Partial<Schemas['VisibleAgent']>
  const ep: Partial<Schemas['EndpointView']> = full.endpoint ?? {}
  const framework = (raw.framework ?? 'custom').toLowerCase()
  // The endpoint names its target per framework (agno_agent_id, agno_team_id, adk_app_name, ...).
  const targetKind = ep.agno_team_id ? 'team' : ep.agno_agent_id ? 'agent' : ep.langgraph_assistant_id ? 'assistant' : undefined
  const protocol = ep.custom_protocol
  const baseUrl = opt(ep.base_url)
  return {
    agent_id: raw.id,
    name: raw.name,
    description: raw.description,
    framework,
    status: (raw.status ?? 'DEVELOPMENT').toUpperCase(),
    logo_url: raw.logo_url ?? '',
    color: raw.color,
    skills: (raw.skills ?? []).map((skill) => skill.name).filter((name) => name.length > 0),
    prompts: skillExamples(raw.skills),
    trace_id: full.trace_id ?? '',
    owner_id: opt(raw.owner_id),
    base_url: baseUrl,
    target_kind: targetKind,
    target_id: opt(ep.agno_team_id ?? ep.agno_agent_id ?? ep.langgraph_assistant_id),
    app_name: opt(ep.adk_app_name),
    card_url: opt(full.card_url),
    endpoint_url: framework === 'custom' || framework === 'a2a' ? baseUrl : undefined,
    custom_protocol: protocol === 'openai' || protocol === 'json' ? protocol : undefined,
    log_proxy_base_url: opt(full.log_proxy_base_url),
    created_at: opt(raw.created_at),
    updated_at: opt(raw.updated_at),
    version: raw.version,
  }
}

export function toRanked(items: Schemas['RankedAgent'][]): RankedAgent[] {
  return items.map((r) => ({
    agent: toAgent(r.agent),
    score: r.score,
    reason: r.reason,
    reasons: (r.reasons ?? []).map((x) => ({ code: x.code, params: (x.params ?? {}) as Record<string, unknown> })),
    match: (r.match ?? null) as MatchLevel | null,
    owner: r.owner?.name ? { name: r.owner.name, team: r.owner.team ?? '' } : undefined,
    team_users: r.team_users ?? 0,
  }))
}

export function toRankedPage(raw: Schemas['RankedAgents']): RankedPage {
  return { items: toRanked(raw.items), match: (raw.match ?? null) as MatchLevel | null }
}

export function toScanResult(raw: Schemas['ScanResult']): ScanResult {
  const targets: ScanTarget[] = (raw.candidates ?? []).map((c) => ({
    kind: c.kind,
    id: c.id,
    name: c.name || c.id,
    description: c.description,
    endpoint: c.endpoint as Record<string, unknown>,
    a2a_card: c.a2a_card ?? undefined,
    skills: c.skills ? c.skills.map((skill) => skill.name) : undefined,
    logo_url: opt(c.logo_url),
  }))
  const cardTarget = targets.find((t) => t.kind === 'card')
  const card = cardTarget && {
    name: cardTarget.name,
    description: cardTarget.description,
    url: str(obj(cardTarget.endpoint).base_url) || undefined,
    version: obj(cardTarget.a2a_card).version ? str(obj(cardTarget.a2a_card).version) : undefined,
    skills: cardTarget.skills ?? [],
  }
  return { targets, card }
}

export function toSession(raw: Schemas['SessionView']): ChatSession {
  return {
    session_id: raw.session_id,
    agent_id: raw.agent_id,
    title: raw.title,
    trace_id: opt(raw.trace_id),
    created_at: opt(raw.created_at),
    updated_at: opt(raw.updated_at),
  }
}

export function toAttachment(raw: unknown): Attachment {
  const o = obj(raw)
  return {
    file_id: str(pick(o, 'file_id', 'id')),
    filename: str(pick(o, 'file_name', 'filename', 'name'), 'file'),
    content_type: str(pick(o, 'content_type', 'mime_type'), 'application/octet-stream'),
    size: o.size !== undefined ? num(o.size) : undefined,
  }
}

export function toMessage(raw: unknown): ChatMessage {
  const o = obj(raw)
  const content = pick(o, 'content', 'text', 'message')
  // A run that failed is saved as an assistant message with status "error" and {code, message}.
  const err = o.error ? (typeof o.error === 'string' ? o.error : str(obj(o.error).message) || str(obj(o.error).code)) : undefined
  return {
    message_id: str(pick(o, 'message_id', 'id')),
    role: str(o.role, 'assistant'),
    content: typeof content === 'string' ? content : content == null ? '' : JSON.stringify(content),
    attachments: listOf(o.attachments, 'files').map(toAttachment),
    created_at: o.created_at ? str(o.created_at) : undefined,
    error: str(o.status) === 'error' || err ? err || 'error' : undefined,
    ...(str(o.status) === 'stopped' ? { stopped: true } : {}),
  }
}

export function toTraceEntry(raw: unknown): TraceEntry {
  const outer = obj(raw)
  const o = outer.entry ? { ...outer, ...obj(outer.entry) } : outer
  const usage = obj(pick(o, 'usage', 'tokens'))
  const prompt = num(pick(o, 'prompt_tokens') ?? usage.prompt_tokens ?? usage.input_tokens)
  const completion = num(pick(o, 'completion_tokens') ?? usage.completion_tokens ?? usage.output_tokens)
  const status = str(pick(o, 'status'), o.error ? 'error' : 'ok')
  return {
    entry_id: str(pick(o, 'entry_id', 'id', 'log_id')),
    trace_id: str(o.trace_id),
    created_at: str(pick(o, 'created_at', 'timestamp', 'at'), new Date().toISOString()),
    agent_id: str(pick(o, 'agent_id', 'agent_name', 'agent'), ''),
    model: str(o.model),
    status: status.toLowerCase(),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(pick(o, 'total_tokens') ?? usage.total_tokens) || prompt + completion,
    latency_ms: num(pick(o, 'latency_ms', 'duration_ms')),
    request: pick(o, 'request', 'request_body'),
    response: pick(o, 'response', 'response_body'),
    error: o.error ? (typeof o.error === 'string' ? o.error : str(obj(o.error).message, JSON.stringify(o.error))) : undefined,
    session_id: o.session_id ? str(o.session_id) : undefined,
    truncated: o.truncated === true ? true : undefined,
    api: o.api ? str(o.api) : undefined,
    provider: o.provider ? str(o.provider) : undefined,
    output_text: typeof o.output_text === 'string' ? o.output_text : undefined,
    stop_reason: o.stop_reason ? str(o.stop_reason) : undefined,
    // Entries from OpenTelemetry spans, and proxy entries joined with one (the run tree reads these).
    kind: o.kind ? str(o.kind) : undefined,
    agent_name: o.agent_name ? str(o.agent_name) : undefined,
    span: o.span && typeof obj(o.span).span_id === 'string' ? (obj(o.span) as unknown as TraceEntry['span']) : undefined,
    tool: o.tool ? { name: str(obj(o.tool).name) } : undefined,
  }
}

export function toApiKey(raw: Schemas['ApiKeyView']): ApiKey {
  return {
    key_id: raw.id,
    name: raw.name || 'API key',
    masked: raw.masked || '••••••••',
    created_at: opt(raw.created_at),
    last_used_at: opt(raw.last_used_at),
    revoked: raw.status === 'revoked' || Boolean(raw.revoked_at),
  }
}

export function toCreatedApiKey(raw: Schemas['NewApiKey']): CreatedApiKey {
  return { ...toApiKey(raw), key: raw.key }
}

export function toLlm(raw: Schemas['LlmView']): Llm {
  return {
    llm_id: raw.llm_id,
    name: raw.name,
    provider: raw.provider ?? 'openai',
    base_url: raw.base_url,
    models: raw.models ?? [],
    enabled: raw.enabled,
    has_api_key: raw.has_api_key,
    health: {
      status: raw.health?.status?.toLowerCase() || 'unknown',
      checked_at: opt(raw.health?.checked_at),
      // Never checked, or the check failed: there is no latency to show (null is not "0 ms").
      latency_ms: typeof raw.health?.latency_ms === 'number' ? raw.health.latency_ms : undefined,
      error: opt(raw.health?.error),
    },
  }
}

/** The model names a user may put in their agent (`/api/llms`: the enabled models), sorted, once each. */
export function toModelNames(raw: Schemas['ModelCatalogue']): string[] {
  return [...new Set((raw.models ?? []).map((m) => m.model).filter((m) => m.length > 0))].sort()
}

export function toUsageRows(raw: Schemas['UsageStats']): UsageRow[] {
  return (raw.groups ?? []).map((g) => ({
    key: g.key || '—',
    name: g.name || undefined,
    calls: g.calls,
    errors: g.errors,
    prompt_tokens: g.prompt_tokens,
    completion_tokens: g.completion_tokens,
    total_tokens: g.total_tokens || g.prompt_tokens + g.completion_tokens,
    latency_ms_avg: Math.round(g.avg_latency_ms ?? 0),
  }))
}
