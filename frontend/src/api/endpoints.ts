/**
 * Every REST call the app makes, through the client generated from the OpenAPI document (`typed.ts`): each
 * path, parameter, body and answer is the document's, so the server's shapes are not re-described here;
 * `normalize.ts` only maps them onto the UI's shapes (`types.ts`).
 */
import {
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
import { call, type Schemas } from './typed'

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
    return toAuthConfig(await call('get', '/api/auth/config', { anonymous: true }))
  },
  async devLogin(username: string, team: string): Promise<SignInResult> {
    const raw = await call('post', '/api/auth/dev-login', { body: { username, team }, anonymous: true })
    return { access_token: raw.access_token, user: toUser(raw.user), expires_at: tokenExpiry(raw) }
  },
  /** New access token from the HttpOnly refresh cookie, or null when there is no live session. */
  async refresh(): Promise<SignInResult | null> {
    try {
      const raw = await call('post', '/api/auth/refresh', { anonymous: true })
      if (!raw?.access_token) return null
      return { access_token: raw.access_token, user: raw.user ? toUser(raw.user) : null, expires_at: tokenExpiry(raw) }
    } catch {
      return null
    }
  },
  async me(): Promise<User> {
    return toUser(await call('get', '/api/auth/me'))
  },
  async logout(): Promise<void> {
    await call('post', '/api/auth/logout', { anonymous: true })
  },
  /** The SSO start; the callback sends the browser back to `returnTo` (a path in this app). */
  ssoLoginUrl(returnTo?: string): string {
    return returnTo && returnTo.startsWith('/') && returnTo !== '/signin' ? `/api/auth/login?return_to=${encodeURIComponent(returnTo)}` : '/api/auth/login'
  },
}

export const agentsApi = {
  async mine(): Promise<Agent[]> {
    return (await call('get', '/api/my-agents')).items.map(toAgent)
  },
  async get(agentId: string): Promise<Agent> {
    return toAgent(await call('get', '/api/agents/{agent_id}', { path: { agent_id: agentId } }))
  },
  async getMine(agentId: string): Promise<Agent> {
    return toAgent(await call('get', '/api/my-agents/{agent_id}', { path: { agent_id: agentId } }))
  },
  async create(input: AgentInput): Promise<Agent> {
    return toAgent(await call('post', '/api/my-agents', { body: agentPayload(input) as Schemas['AgentCreate'] }))
  },
  /** PATCH needs the version that was read: a stale one answers 409 (someone else changed the agent). */
  async update(agentId: string, input: Partial<AgentInput>, version?: number): Promise<Agent> {
    const body = { ...agentPayload(input, { forPatch: true }), version: version ?? 1 } as Schemas['AgentPatch']
    return toAgent(await call('patch', '/api/my-agents/{agent_id}', { path: { agent_id: agentId }, body }))
  },
  async remove(agentId: string): Promise<void> {
    await call('delete', '/api/my-agents/{agent_id}', { path: { agent_id: agentId } })
  },
  async publish(agentId: string): Promise<Agent> {
    return toAgent(await call('post', '/api/my-agents/{agent_id}/publish', { path: { agent_id: agentId } }))
  },
  async withdraw(agentId: string): Promise<Agent> {
    return toAgent(await call('post', '/api/my-agents/{agent_id}/withdraw', { path: { agent_id: agentId } }))
  },
  async scan(framework: string, url: string): Promise<ScanResult> {
    const body = { framework: framework.toUpperCase(), url: url.trim() } as Schemas['ScanRequest']
    return toScanResult(await call('post', '/api/my-agents/scan', { body }))
  },
  async catalogue(): Promise<Agent[]> {
    return (await call('get', '/api/agents')).items.map(toAgent)
  },
  async ranked(q: string, limit = 24): Promise<RankedAgent[]> {
    return toRanked((await call('get', '/api/agents/ranked', { query: { q, limit } })).items)
  },
  /** the ranked catalogue with its match level ('none': no agent fits the request) */
  async rankedPage(q: string, limit = 24): Promise<RankedPage> {
    return toRankedPage(await call('get', '/api/agents/ranked', { query: { q, limit } }))
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
    return (await call('get', '/api/agents/{agent_id}/sessions', { path: { agent_id: agentId } })).items.map(toSession)
  },
  async create(agentId: string, title?: string): Promise<ChatSession> {
    const answer = await call('post', '/api/agents/{agent_id}/sessions', { path: { agent_id: agentId }, body: title ? { title } : {} })
    return toSession(answer)
  },
  async remove(sessionId: string): Promise<void> {
    await call('delete', '/api/sessions/{session_id}', { path: { session_id: sessionId } })
  },
  async messages(sessionId: string): Promise<ChatMessage[]> {
    return (await call('get', '/api/sessions/{session_id}/messages', { path: { session_id: sessionId } })).items.map(toMessage)
  },
  /** Saves a message without invoking the agent (the WebSocket `invoke` action does both for chat). */
  async addMessage(sessionId: string, role: string, content: string): Promise<ChatMessage> {
    const body = { role, content } as Schemas['PostMessageBody']
    return toMessage(await call('post', '/api/sessions/{session_id}/messages', { path: { session_id: sessionId }, body }))
  },
}

export const filesApi = {
  async createUpload(file: File, sessionId: string): Promise<FileUpload> {
    const ticket = await call('post', '/api/files', {
      body: { session_id: sessionId, file_name: file.name, content_type: file.type || 'application/octet-stream', size: file.size },
    })
    const upload = ticket.upload as Record<string, unknown>
    const attachment = toAttachment(ticket.file)
    if (!attachment.filename || attachment.filename === 'file') attachment.filename = file.name
    if (attachment.content_type === 'application/octet-stream' && file.type) attachment.content_type = file.type
    attachment.size ??= file.size
    const fields = upload.fields as Record<string, string> | undefined
    return {
      file: attachment,
      url: String(upload.url ?? ''),
      method: fields ? 'POST' : ((String(upload.method ?? 'PUT').toUpperCase() as 'PUT' | 'POST')),
      fields,
      headers: upload.headers as Record<string, string> | undefined,
    }
  },
  async download(fileId: string): Promise<FileDownload> {
    const raw = await call('get', '/api/files/{file_id}', { path: { file_id: fileId } })
    return { url: raw.url, filename: raw.file_name || undefined, content_type: raw.content_type || undefined }
  },
}

export const logsApi = {
  /** The newest `limit` entries, returned oldest first. */
  async list(traceId: string, limit = 100): Promise<TraceEntry[]> {
    const page = await call('get', '/api/logs', { query: { trace_id: traceId, limit, order: 'desc' } })
    return page.items.map((e) => toTraceEntry({ trace_id: traceId, ...(e as object) })).reverse()
  },
  async get(traceId: string, entryId: string): Promise<TraceEntry> {
    const raw = await call('get', '/api/logs/{entry_id}', { path: { entry_id: entryId }, query: { trace_id: traceId } })
    return toTraceEntry({ trace_id: traceId, ...(raw as object) })
  },
  /** Deletes the trace's stored entries; with `upTo` (an entry's time) only those made at or before it. */
  async clear(traceId: string, upTo?: string): Promise<void> {
    await call('delete', '/api/logs', { query: { trace_id: traceId, up_to: upTo } })
  },
}

export const apiKeysApi = {
  async list(): Promise<ApiKey[]> {
    return (await call('get', '/api/api-keys')).items.map(toApiKey)
  },
  async create(name: string): Promise<CreatedApiKey> {
    return toCreatedApiKey(await call('post', '/api/api-keys', { body: { name } }))
  },
  async active(): Promise<ApiKey | null> {
    try {
      // `{"key": {...masked summary...} | null}`; the plain key is never returned after creation.
      const { key } = await call('get', '/api/api-keys/active')
      return key ? toApiKey(key) : null
    } catch (e) {
      if ((e as { status?: number }).status === 404) return null
      throw e
    }
  },
  async revoke(keyId: string): Promise<void> {
    await call('delete', '/api/api-keys/{key_id}', { path: { key_id: keyId } })
  },
}

export const llmsApi = {
  async modelNames(): Promise<string[]> {
    return toModelNames(await call('get', '/api/llms'))
  },
  async list(): Promise<Llm[]> {
    return (await call('get', '/api/admin/llms')).items.map(toLlm)
  },
  async create(input: LlmInput): Promise<Llm> {
    return toLlm(await call('post', '/api/admin/llms', { body: input as Schemas['LlmCreate'] }))
  },
  async update(llmId: string, input: Partial<LlmInput>): Promise<Llm> {
    return toLlm(await call('patch', '/api/admin/llms/{llm_id}', { path: { llm_id: llmId }, body: input as Schemas['LlmUpdate'] }))
  },
  async remove(llmId: string): Promise<void> {
    await call('delete', '/api/admin/llms/{llm_id}', { path: { llm_id: llmId } })
  },
  async test(llmId: string): Promise<LlmTestResult> {
    const probe = await call('post', '/api/admin/llms/{llm_id}/test', { path: { llm_id: llmId } })
    return { ok: probe.ok, latency_ms: probe.latency_ms, message: probe.error ?? undefined }
  },
}

export const adminApi = {
  async users(role?: Role): Promise<User[]> {
    return (await call('get', '/api/admin/users', { query: { role, limit: 100 } })).items.map(toUser)
  },
  async approve(userId: string): Promise<User> {
    return toUser(await call('post', '/api/admin/users/{user_id}/approve', { path: { user_id: userId } }))
  },
  async updateUser(userId: string, patch: { role?: Role; team?: string }): Promise<User> {
    return toUser(await call('patch', '/api/admin/users/{user_id}', { path: { user_id: userId }, body: patch }))
  },
  async usage(from: string, to: string, groupBy: StatsGroupBy): Promise<UsageRow[]> {
    return toUsageRows(await call('get', '/api/admin/stats/usage', { query: { from, to, group_by: groupBy } }))
  },
  async agentStats(): Promise<AgentStats> {
    const raw = await call('get', '/api/admin/stats/agents')
    return {
      total: raw.total,
      by_status: raw.by_status,
      by_framework: raw.by_framework,
      most_used: raw.most_used.map((m) => ({ agent_id: m.agent_id, name: m.name ?? null, calls: m.calls, total_tokens: m.total_tokens })),
    }
  },
  /** The audit log, newest first; `cursor` from the previous page. */
  async audit(params: { from?: string; to?: string; action?: string; cursor?: string | null; limit?: number }): Promise<AuditPage> {
    const raw = await call('get', '/api/admin/audit', {
      query: { from: params.from || undefined, to: params.to || undefined, action: params.action || undefined, cursor: params.cursor || undefined, limit: params.limit ?? 50 },
    })
    return {
      items: raw.items.map((e) => ({ ...e, agent_name: e.agent_name ?? null, owner_name: e.owner_name ?? null, details: e.details ?? {} })),
      cursor: raw.cursor ?? null,
    }
  },
  async userStats(from: string, to: string): Promise<ActiveUsers> {
    return (await call('get', '/api/admin/stats/users', { query: { from, to } })) as ActiveUsers
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
