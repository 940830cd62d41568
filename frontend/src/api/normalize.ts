/**
 * Turns the backend's JSON into the UI's types. Tolerant on purpose: lists may come bare or wrapped
 * (`{"items": [...]}`, `{"agents": [...]}`), and a few fields have natural synonyms. Keeping this in one
 * place is what lets the UI follow the API as it lands.
 */
import type {
  Agent,
  AgentCardPreview,
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
const strList = (v: unknown): string[] => {
  if (!Array.isArray(v)) return []
  return v
    .map((x) => (typeof x === 'string' ? x : str(obj(x).name ?? obj(x).id ?? obj(x).model)))
    .filter((x) => x.length > 0)
}

/** Every skill's `examples` (A2A AgentSkill), in order, without repeats. */
export function skillExamples(skills: unknown): string[] {
  if (!Array.isArray(skills)) return []
  const all = skills.flatMap((s) => (Array.isArray(obj(s).examples) ? (obj(s).examples as unknown[]) : []))
  return [...new Set(all.filter((e): e is string => typeof e === 'string').map((e) => e.trim()).filter(Boolean))]
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

export function toUser(raw: unknown): User {
  const o = obj(raw)
  const username = str(pick(o, 'username', 'user_id', 'id'))
  return {
    user_id: str(pick(o, 'user_id', 'id', 'username')),
    username,
    display_name: str(pick(o, 'display_name', 'name'), username) || username,
    team: str(o.team),
    role: (str(o.role, 'PENDING').toUpperCase() as User['role']) || 'PENDING',
    email: o.email ? str(o.email) : undefined,
    created_at: o.created_at ? str(o.created_at) : undefined,
    last_login_at: o.last_login_at ? str(o.last_login_at) : undefined,
  }
}

export function toAuthConfig(raw: unknown): AuthConfig {
  const o = obj(raw)
  const sso = obj(o.sso)
  const dev = obj(o.dev_login)
  return {
    sso_enabled: Boolean(pick(o, 'sso_enabled', 'oidc_enabled') ?? sso.enabled ?? false),
    dev_login_enabled: Boolean(pick(o, 'dev_login_enabled', 'dev_login') === true || dev.enabled || o.dev_login_enabled),
  }
}

export function toAgent(raw: unknown): Agent {
  const o = obj(raw)
  const ep = obj(pick(o, 'endpoint', 'connection', 'config'))
  const get = (...keys: string[]) => pick(o, ...keys) ?? pick(ep, ...keys)
  const opt = (...keys: string[]) => (get(...keys) !== undefined ? str(get(...keys)) : undefined)
  const framework = str(o.framework, 'custom').toLowerCase()
  // The endpoint names its target per framework (agno_agent_id, agno_team_id, adk_app_name, ...).
  const targetKind = ep.agno_team_id ? 'team' : ep.agno_agent_id ? 'agent' : ep.langgraph_assistant_id ? 'assistant' : opt('target_kind')
  const targetId = opt('agno_team_id', 'agno_agent_id', 'langgraph_assistant_id', 'target_id')
  const protocol = opt('custom_protocol')
  return {
    agent_id: str(pick(o, 'agent_id', 'id')),
    name: str(pick(o, 'name', 'title'), 'Untitled agent'),
    description: str(o.description),
    framework,
    status: str(o.status, 'DEVELOPMENT').toUpperCase(),
    logo_url: str(o.logo_url),
    color: str(pick(o, 'color', 'card_color'), ''),
    skills: strList(pick(o, 'skills', 'capabilities', 'tags')),
    prompts: skillExamples(o.skills),
    trace_id: str(o.trace_id),
    owner_id: o.owner_id ? str(o.owner_id) : undefined,
    base_url: opt('base_url'),
    target_kind: targetKind,
    target_id: targetId,
    app_name: opt('adk_app_name', 'app_name'),
    card_url: opt('card_url', 'agent_card_url'),
    endpoint_url: framework === 'custom' || framework === 'a2a' ? opt('base_url', 'endpoint_url') : opt('endpoint_url'),
    custom_protocol: protocol === 'openai' || protocol === 'json' ? protocol : undefined,
    log_proxy_base_url: o.log_proxy_base_url ? str(o.log_proxy_base_url) : undefined,
    created_at: o.created_at ? str(o.created_at) : undefined,
    updated_at: o.updated_at ? str(o.updated_at) : undefined,
    version: o.version !== undefined ? num(o.version) : undefined,
  }
}

function toMatch(raw: unknown): MatchLevel | null {
  return raw === 'good' || raw === 'partial' || raw === 'none' ? raw : null
}

export function toRanked(raw: unknown): RankedAgent[] {
  return listOf(raw, 'agents', 'ranked').map((r) => {
    const o = obj(r)
    const agentRaw = o.agent ? o.agent : o
    const owner = obj(o.owner)
    const reasons = Array.isArray(o.reasons)
      ? o.reasons.map((x) => obj(x)).filter((x) => typeof x.code === 'string').map((x) => ({ code: str(x.code), params: obj(x.params) }))
      : []
    return {
      agent: toAgent(agentRaw),
      score: num(o.score),
      reason: str(o.reason),
      reasons,
      match: toMatch(o.match),
      owner: owner.name ? { name: str(owner.name), team: str(owner.team) } : undefined,
      team_users: o.team_users !== undefined ? num(o.team_users) : 0,
    }
  })
}

export function toRankedPage(raw: unknown): RankedPage {
  return { items: toRanked(raw), match: toMatch(obj(raw).match) }
}

function toCard(raw: unknown): AgentCardPreview | undefined {
  const o = obj(raw)
  if (!Object.keys(o).length) return undefined
  return {
    name: str(o.name),
    description: str(o.description),
    url: o.url ? str(o.url) : undefined,
    version: o.version ? str(o.version) : undefined,
    skills: strList(o.skills),
  }
}

export function toScanResult(raw: unknown): ScanResult {
  const o = obj(raw)
  const targets: ScanTarget[] = []
  let card: AgentCardPreview | undefined
  const add = (items: unknown[], kind: string) => {
    for (const it of items) {
      const t = obj(typeof it === 'string' ? { id: it, name: it } : it)
      const id = str(pick(t, 'id', 'agent_id', 'team_id', 'app_name', 'assistant_id', 'name'))
      if (!id) continue
      const target: ScanTarget = {
        kind: str(t.kind ?? t.type, kind),
        id,
        name: str(pick(t, 'name', 'id'), id),
        description: str(t.description),
        endpoint: t.endpoint ? obj(t.endpoint) : undefined,
        a2a_card: t.a2a_card,
        skills: t.skills ? strList(t.skills) : undefined,
        logo_url: t.logo_url ? str(t.logo_url) : undefined,
      }
      if (target.kind === 'card') {
        const rawCard = obj(t.a2a_card)
        card = { name: target.name, description: target.description, url: str(obj(t.endpoint).base_url) || undefined, version: rawCard.version ? str(rawCard.version) : undefined, skills: target.skills ?? [] }
      }
      targets.push(target)
    }
  }
  add(listOf(o.candidates), 'agent')
  add(listOf(o.targets), 'agent')
  add(listOf(o.agents), 'agent')
  add(listOf(o.teams), 'team')
  add(listOf(o.apps), 'app')
  add(listOf(o.assistants), 'assistant')
  return { targets, card: card ?? toCard(pick(o, 'card', 'agent_card')) }
}

export function toSession(raw: unknown): ChatSession {
  const o = obj(raw)
  return {
    session_id: str(pick(o, 'session_id', 'id')),
    agent_id: str(o.agent_id),
    title: str(o.title),
    trace_id: o.trace_id ? str(o.trace_id) : undefined,
    created_at: o.created_at ? str(o.created_at) : undefined,
    updated_at: o.updated_at ? str(o.updated_at) : undefined,
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

export function toApiKey(raw: unknown): ApiKey {
  const o = obj(raw)
  const masked = str(pick(o, 'masked', 'masked_key'))
  const prefix = str(pick(o, 'prefix', 'key_prefix'))
  return {
    key_id: str(pick(o, 'key_id', 'id')),
    name: str(o.name, 'API key'),
    masked: masked || (prefix ? `${prefix}…` : '••••••••'),
    created_at: o.created_at ? str(o.created_at) : undefined,
    last_used_at: o.last_used_at ? str(o.last_used_at) : undefined,
    revoked: Boolean(o.revoked) || Boolean(o.revoked_at) || str(o.status).toLowerCase() === 'revoked',
  }
}

export function toCreatedApiKey(raw: unknown): CreatedApiKey {
  const o = obj(raw)
  const inner = o.api_key && typeof o.api_key === 'object' ? { ...o, ...obj(o.api_key) } : o
  const key = str(pick(inner, 'key', 'api_key', 'secret', 'plain_key'))
  return { ...toApiKey(inner), key }
}

export function toLlm(raw: unknown): Llm {
  const o = obj(raw)
  const health = obj(o.health)
  return {
    llm_id: str(pick(o, 'llm_id', 'id')),
    name: str(o.name),
    provider: (['anthropic', 'gemini'].includes(str(o.provider)) ? str(o.provider) : 'openai') as Llm['provider'],
    base_url: str(o.base_url),
    models: strList(o.models),
    enabled: o.enabled === undefined ? true : Boolean(o.enabled),
    has_api_key: o.has_api_key === undefined ? undefined : Boolean(o.has_api_key),
    health: {
      status: str(pick(health, 'status') ?? o.health_status, 'unknown').toLowerCase(),
      checked_at: (pick(health, 'checked_at') ?? o.last_checked_at) ? str(pick(health, 'checked_at') ?? o.last_checked_at) : undefined,
      // Never checked, or the check failed: there is no latency to show (null is not "0 ms").
      latency_ms: typeof health.latency_ms === 'number' ? health.latency_ms : undefined,
      error: health.error ? str(health.error) : undefined,
    },
  }
}

/** The model names a user may put in their agent: from `/api/llms` (LLMs with models, or models bare). */
export function toModelNames(raw: unknown): string[] {
  const names = new Set<string>()
  for (const item of listOf(raw, 'llms', 'models')) {
    if (typeof item === 'string') names.add(item)
    else {
      const o = obj(item)
      const models = strList(o.models)
      if (models.length) models.forEach((m) => names.add(m))
      else if (o.model || o.id || o.name) names.add(str(pick(o, 'model', 'id', 'name')))
    }
  }
  return [...names].sort()
}

export function toUsageRows(raw: unknown): UsageRow[] {
  return listOf(raw, 'rows', 'groups', 'usage').map((r) => {
    const o = obj(r)
    const prompt = num(o.prompt_tokens)
    const completion = num(o.completion_tokens)
    const calls = num(pick(o, 'calls', 'count', 'requests'))
    const latencyAvg =
      o.latency_ms_avg != null ? num(o.latency_ms_avg) : o.avg_latency_ms != null ? num(o.avg_latency_ms) : calls ? num(o.latency_ms_sum) / calls : 0
    return {
      key: str(pick(o, 'key', 'group', 'day', 'date', 'team', 'user', 'user_id', 'model', 'agent', 'agent_id'), '—') || '—',
      name: typeof o.name === 'string' && o.name ? o.name : undefined,
      calls,
      errors: num(o.errors),
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: num(o.total_tokens) || prompt + completion,
      latency_ms_avg: Math.round(latencyAvg),
    }
  })
}
