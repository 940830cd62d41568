/**
 * Every REST call the app makes, typed. Paths are the ones template.yaml declares; bodies are snake_case.
 */
import { request } from './client'
import {
  listOf,
  toAgent,
  toApiKey,
  toAttachment,
  toAuthConfig,
  toCreatedApiKey,
  toLlm,
  toMessage,
  toModelNames,
  toRanked,
  toRankedPage,
  toScanResult,
  toSession,
  toTraceEntry,
  toUsageRows,
  toUser,
} from './normalize'
import type {
  ActiveUsers,
  Agent,
  AgentStats,
  AuditPage,
  AgentInput,
  ApiKey,
  AuthConfig,
  ChatMessage,
  ChatSession,
  CreatedApiKey,
  FileDownload,
  FileUpload,
  Llm,
  LlmInput,
  LlmTestResult,
  RankedAgent,
  RankedPage,
  Role,
  ScanResult,
  StatsGroupBy,
  TraceEntry,
  UsageRow,
  User,
} from './types'

const enc = encodeURIComponent

export interface SignInResult {
  access_token: string
  user: User | null
  /** Epoch milliseconds when the access token stops working (from `expires_at`/`expires_in` or the JWT). */
  expires_at: number | null
}

/** When an access token expires: the response's `expires_at` (epoch s or ISO) / `expires_in`, else the JWT's `exp`. */
export function tokenExpiry(raw: { access_token?: string; expires_at?: unknown; expires_in?: unknown }): number | null {
  if (typeof raw.expires_at === 'number') return raw.expires_at * (raw.expires_at < 1e12 ? 1000 : 1)
  if (typeof raw.expires_at === 'string' && !Number.isNaN(Date.parse(raw.expires_at))) return Date.parse(raw.expires_at)
  if (typeof raw.expires_in === 'number') return Date.now() + raw.expires_in * 1000
  try {
    const payload = JSON.parse(atob((raw.access_token ?? '').split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null
  } catch {
    return null
  }
}

export const authApi = {
  async config(): Promise<AuthConfig> {
    return toAuthConfig(await request('/api/auth/config', { anonymous: true }))
  },
  async devLogin(username: string, team: string): Promise<SignInResult> {
    const raw = await request<{ access_token: string; user?: unknown; expires_at?: unknown; expires_in?: unknown }>('/api/auth/dev-login', {
      body: { username, team },
      anonymous: true,
    })
    return { access_token: raw.access_token, user: raw.user ? toUser(raw.user) : null, expires_at: tokenExpiry(raw) }
  },
  /** New access token from the HttpOnly refresh cookie, or null when there is no live session. */
  async refresh(): Promise<SignInResult | null> {
    try {
      const raw = await request<{ access_token?: string; user?: unknown; expires_at?: unknown; expires_in?: unknown }>('/api/auth/refresh', {
        method: 'POST',
        anonymous: true,
      })
      if (!raw?.access_token) return null
      return { access_token: raw.access_token, user: raw.user ? toUser(raw.user) : null, expires_at: tokenExpiry({ ...raw, access_token: raw.access_token }) }
    } catch {
      return null
    }
  },
  async me(): Promise<User> {
    const raw = await request<unknown>('/api/auth/me')
    const o = raw as { user?: unknown }
    return toUser(o && typeof o === 'object' && 'user' in o ? o.user : raw)
  },
  async logout(): Promise<void> {
    await request('/api/auth/logout', { method: 'POST', anonymous: true })
  },
  /** The SSO start; the callback sends the browser back to `returnTo` (a path in this app). */
  ssoLoginUrl(returnTo?: string): string {
    return returnTo && returnTo.startsWith('/') && returnTo !== '/signin' ? `/api/auth/login?return_to=${encodeURIComponent(returnTo)}` : '/api/auth/login'
  },
}

export const agentsApi = {
  async mine(): Promise<Agent[]> {
    return listOf(await request('/api/my-agents'), 'agents').map(toAgent)
  },
  async get(agentId: string): Promise<Agent> {
    const raw = await request<unknown>(`/api/agents/${enc(agentId)}`)
    const o = raw as { agent?: unknown }
    return toAgent(o && typeof o === 'object' && 'agent' in o ? o.agent : raw)
  },
  async getMine(agentId: string): Promise<Agent> {
    const raw = await request<unknown>(`/api/my-agents/${enc(agentId)}`)
    const o = raw as { agent?: unknown }
    return toAgent(o && typeof o === 'object' && 'agent' in o ? o.agent : raw)
  },
  async create(input: AgentInput): Promise<Agent> {
    return toAgent(await request('/api/my-agents', { body: agentPayload(input) }))
  },
  /** PATCH needs the version that was read: a stale one answers 409 (someone else changed the agent). */
  async update(agentId: string, input: Partial<AgentInput>, version?: number): Promise<Agent> {
    const body = { ...agentPayload(input, { forPatch: true }), version: version ?? 1 }
    return toAgent(await request(`/api/my-agents/${enc(agentId)}`, { method: 'PATCH', body }))
  },
  async remove(agentId: string): Promise<void> {
    await request(`/api/my-agents/${enc(agentId)}`, { method: 'DELETE' })
  },
  async publish(agentId: string): Promise<Agent> {
    return toAgent(await request(`/api/my-agents/${enc(agentId)}/publish`, { method: 'POST' }))
  },
  async withdraw(agentId: string): Promise<Agent> {
    return toAgent(await request(`/api/my-agents/${enc(agentId)}/withdraw`, { method: 'POST' }))
  },
  async scan(framework: string, url: string): Promise<ScanResult> {
    return toScanResult(await request('/api/my-agents/scan', { body: { framework: framework.toUpperCase(), url: url.trim() } }))
  },
  async catalogue(): Promise<Agent[]> {
    return listOf(await request('/api/agents'), 'agents').map(toAgent)
  },
  async ranked(q: string, limit = 24): Promise<RankedAgent[]> {
    return toRanked(await request('/api/agents/ranked', { query: { q, limit } }))
  },
  /** the ranked catalogue with its match level ('none': no agent fits the request) */
  async rankedPage(q: string, limit = 24): Promise<RankedPage> {
    return toRankedPage(await request('/api/agents/ranked', { query: { q, limit } }))
  },
}

/**
 * The API's agent body: `framework` upper-case, `skills` as objects, and the connection under `endpoint`
 * with the framework's own key for its target (agno_agent_id / agno_team_id, adk_app_name,
 * langgraph_assistant_id, custom_protocol). An A2A card found by a scan is sent back as it came.
 */
export function agentPayload(input: Partial<AgentInput>, { forPatch = false } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (input.name !== undefined) out.name = input.name.trim()
  if (input.description !== undefined) out.description = input.description.trim()
  if (input.logo_url !== undefined) out.logo_url = input.logo_url.trim() || null
  if (input.color) out.color = input.color.trim().toUpperCase()
  // The form keeps example prompts for the agent as a whole; they are saved as its first skill's `examples`.
  if (input.skills !== undefined)
    out.skills = input.skills.map((name, i) => ({ name, ...(i === 0 && input.prompts?.length ? { examples: input.prompts } : {}) }))
  if (input.framework) {
    out.framework = input.framework.toUpperCase()
    const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''))
    const url = (v?: string) => v?.trim()
    switch (input.framework) {
      case 'agno':
        out.endpoint = clean({ base_url: url(input.base_url), [input.target_kind === 'team' ? 'agno_team_id' : 'agno_agent_id']: input.target_id })
        break
      case 'adk':
        out.endpoint = clean({ base_url: url(input.base_url), adk_app_name: input.app_name?.trim() })
        break
      case 'langgraph':
        out.endpoint = clean({ base_url: url(input.base_url), langgraph_assistant_id: input.target_id?.trim() })
        break
      case 'a2a':
        out.endpoint = input.scanned_endpoint ?? clean({ base_url: url(input.card_url) })
        if (input.a2a_card && !forPatch) out.a2a_card = input.a2a_card
        break
      default:
        out.endpoint = clean({ base_url: url(input.endpoint_url), custom_protocol: input.custom_protocol ?? 'json' })
    }
  }
  return out
}

export const sessionsApi = {
  async list(agentId: string): Promise<ChatSession[]> {
    return listOf(await request(`/api/agents/${enc(agentId)}/sessions`), 'sessions').map(toSession)
  },
  async create(agentId: string, title?: string): Promise<ChatSession> {
    const raw = await request<unknown>(`/api/agents/${enc(agentId)}/sessions`, { body: title ? { title } : {} })
    const o = raw as { session?: unknown }
    return toSession(o && typeof o === 'object' && 'session' in o ? o.session : raw)
  },
  async remove(sessionId: string): Promise<void> {
    await request(`/api/sessions/${enc(sessionId)}`, { method: 'DELETE' })
  },
  async messages(sessionId: string): Promise<ChatMessage[]> {
    return listOf(await request(`/api/sessions/${enc(sessionId)}/messages`), 'messages').map(toMessage)
  },
  /** Saves a message without invoking the agent (the WebSocket `invoke` action does both for chat). */
  async addMessage(sessionId: string, role: string, content: string): Promise<ChatMessage> {
    return toMessage(await request(`/api/sessions/${enc(sessionId)}/messages`, { body: { role, content } }))
  },
}

export const filesApi = {
  async createUpload(file: File, sessionId: string): Promise<FileUpload> {
    const raw = (await request('/api/files', {
      body: { session_id: sessionId, file_name: file.name, content_type: file.type || 'application/octet-stream', size: file.size },
    })) as Record<string, unknown>
    const upload = (raw.upload && typeof raw.upload === 'object' ? raw.upload : raw) as Record<string, unknown>
    const fileRaw = raw.file && typeof raw.file === 'object' ? raw.file : raw
    const attachment = toAttachment(fileRaw)
    if (!attachment.filename || attachment.filename === 'file') attachment.filename = file.name
    if (attachment.content_type === 'application/octet-stream' && file.type) attachment.content_type = file.type
    attachment.size ??= file.size
    const fields = (upload.fields ?? upload.upload_fields) as Record<string, string> | undefined
    return {
      file: attachment,
      url: String(upload.url ?? upload.upload_url ?? ''),
      method: fields ? 'POST' : ((String(upload.method ?? 'PUT').toUpperCase() as 'PUT' | 'POST')),
      fields,
      headers: (upload.headers ?? upload.upload_headers) as Record<string, string> | undefined,
    }
  },
  async download(fileId: string): Promise<FileDownload> {
    const raw = (await request(`/api/files/${enc(fileId)}`)) as Record<string, unknown>
    return {
      url: String(raw.url ?? raw.download_url ?? ''),
      filename: raw.file_name ? String(raw.file_name) : raw.filename ? String(raw.filename) : undefined,
      content_type: raw.content_type ? String(raw.content_type) : undefined,
    }
  },
}

export const logsApi = {
  /** The newest `limit` entries, returned oldest first. */
  async list(traceId: string, limit = 100): Promise<TraceEntry[]> {
    const raw = await request('/api/logs', { query: { trace_id: traceId, limit, order: 'desc' } })
    return listOf(raw, 'entries', 'logs').map((e) => toTraceEntry({ trace_id: traceId, ...(e as object) })).reverse()
  },
  async get(traceId: string, entryId: string): Promise<TraceEntry> {
    const raw = await request(`/api/logs/${enc(entryId)}`, { query: { trace_id: traceId } })
    return toTraceEntry({ trace_id: traceId, ...(raw as object) })
  },
  /** Deletes the trace's stored entries; with `upTo` (an entry's time) only those made at or before it. */
  async clear(traceId: string, upTo?: string): Promise<void> {
    await request('/api/logs', { method: 'DELETE', query: { trace_id: traceId, up_to: upTo } })
  },
}

export const apiKeysApi = {
  async list(): Promise<ApiKey[]> {
    return listOf(await request('/api/api-keys'), 'api_keys', 'keys').map(toApiKey)
  },
  async create(name: string): Promise<CreatedApiKey> {
    return toCreatedApiKey(await request('/api/api-keys', { body: { name } }))
  },
  async active(): Promise<ApiKey | null> {
    try {
      const raw = (await request('/api/api-keys/active')) as Record<string, unknown> | null
      if (!raw) return null
      // `{"key": {...masked summary...} | null}`; the plain key is never returned after creation.
      const inner = 'key' in raw ? raw.key : 'api_key' in raw ? raw.api_key : raw
      return inner && typeof inner === 'object' ? toApiKey(inner) : null
    } catch (e) {
      if ((e as { status?: number }).status === 404) return null
      throw e
    }
  },
  async revoke(keyId: string): Promise<void> {
    await request(`/api/api-keys/${enc(keyId)}`, { method: 'DELETE' })
  },
}

export const llmsApi = {
  async modelNames(): Promise<string[]> {
    return toModelNames(await request('/api/llms'))
  },
  async list(): Promise<Llm[]> {
    return listOf(await request('/api/admin/llms'), 'llms').map(toLlm)
  },
  async create(input: LlmInput): Promise<Llm> {
    return toLlm(await request('/api/admin/llms', { body: input }))
  },
  async update(llmId: string, input: Partial<LlmInput>): Promise<Llm> {
    return toLlm(await request(`/api/admin/llms/${enc(llmId)}`, { method: 'PATCH', body: input }))
  },
  async remove(llmId: string): Promise<void> {
    await request(`/api/admin/llms/${enc(llmId)}`, { method: 'DELETE' })
  },
  async test(llmId: string): Promise<LlmTestResult> {
    const raw = (await request(`/api/admin/llms/${enc(llmId)}/test`, { method: 'POST' })) as Record<string, unknown>
    const health = (raw.health ?? raw) as Record<string, unknown>
    const ok = raw.ok !== undefined ? Boolean(raw.ok) : String(health.status ?? '').toLowerCase() === 'healthy'
    return {
      ok,
      latency_ms: typeof health.latency_ms === 'number' ? health.latency_ms : undefined,
      message: (health.error ?? raw.message ?? raw.error) as string | undefined,
    }
  },
}

export const adminApi = {
  async users(role?: Role): Promise<User[]> {
    return listOf(await request('/api/admin/users', { query: { role, limit: 100 } }), 'users').map(toUser)
  },
  async approve(userId: string): Promise<User> {
    return toUser(await request(`/api/admin/users/${enc(userId)}/approve`, { method: 'POST' }))
  },
  async updateUser(userId: string, patch: { role?: Role; team?: string }): Promise<User> {
    return toUser(await request(`/api/admin/users/${enc(userId)}`, { method: 'PATCH', body: patch }))
  },
  async usage(from: string, to: string, groupBy: StatsGroupBy): Promise<UsageRow[]> {
    return toUsageRows(await request('/api/admin/stats/usage', { query: { from, to, group_by: groupBy } }))
  },
  async agentStats(): Promise<AgentStats> {
    const raw = (await request('/api/admin/stats/agents')) as Partial<AgentStats> | null
    return { total: raw?.total ?? 0, by_status: raw?.by_status ?? {}, by_framework: raw?.by_framework ?? {}, most_used: raw?.most_used ?? [] }
  },
  /** The audit log, newest first; `cursor` from the previous page. */
  async audit(params: { from?: string; to?: string; action?: string; cursor?: string | null; limit?: number }): Promise<AuditPage> {
    const raw = (await request('/api/admin/audit', {
      query: { from: params.from || undefined, to: params.to || undefined, action: params.action || undefined, cursor: params.cursor || undefined, limit: params.limit ?? 50 },
    })) as Partial<AuditPage> | null
    return { items: (raw?.items ?? []).map((e) => ({ ...e, agent_name: e.agent_name ?? null, owner_name: e.owner_name ?? null, details: e.details ?? {} })), cursor: raw?.cursor ?? null }
  },
  async userStats(from: string, to: string): Promise<ActiveUsers> {
    return (await request('/api/admin/stats/users', { query: { from, to } })) as ActiveUsers
  },
}

/** Uploads to the presigned URL with progress (fetch cannot report upload progress; XHR can). */
export function uploadToPresigned(upload: FileUpload, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(upload.method, upload.url)
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded / ev.total)
    }
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`upload failed (${xhr.status})`)))
    xhr.onerror = () => reject(new Error('upload failed: network error'))
    if (upload.method === 'POST' && upload.fields) {
      const form = new FormData()
      for (const [k, v] of Object.entries(upload.fields)) form.append(k, v)
      form.append('file', file)
      xhr.send(form)
    } else {
      for (const [k, v] of Object.entries(upload.headers ?? {})) xhr.setRequestHeader(k, v)
      if (!upload.headers?.['Content-Type'] && file.type) xhr.setRequestHeader('Content-Type', file.type)
      xhr.send(file)
    }
  })
}
