/**
 * The shapes the UI works with. The backend's JSON is normalised into these in `normalize.ts`, so when a
 * response shape changes only that file (and `endpoints.ts`) needs to follow.
 */

export type Role = 'PENDING' | 'USER' | 'ADMIN'

export interface User {
  user_id: string
  username: string
  display_name: string
  team: string
  role: Role
  email?: string
  created_at?: string
  last_login_at?: string
}

export interface AuthConfig {
  sso_enabled: boolean
  dev_login_enabled: boolean
}

export type Framework = 'agno' | 'adk' | 'a2a' | 'langgraph' | 'custom'
export const FRAMEWORKS: Framework[] = ['agno', 'adk', 'a2a', 'langgraph', 'custom']

/** PRODUCTION is "published": visible in operation mode. */
export type AgentStatus = 'DEVELOPMENT' | 'PRODUCTION' | 'DISABLED' | string

export const isPublished = (status: string): boolean => ['PRODUCTION', 'PUBLISHED'].includes(status.toUpperCase())

export interface Agent {
  agent_id: string
  name: string
  description: string
  framework: Framework | string
  status: AgentStatus
  logo_url: string
  color: string
  skills: string[]
  /** Prompts the agent answers (its skills' A2A `examples`): suggestions in an empty chat. */
  prompts?: string[]
  trace_id: string
  owner_id?: string
  base_url?: string
  target_kind?: string
  target_id?: string
  app_name?: string
  card_url?: string
  endpoint_url?: string
  custom_protocol?: 'openai' | 'json'
  log_proxy_base_url?: string
  created_at?: string
  updated_at?: string
  version?: number
}

/** What the Add/Edit-Agent dialog sends. */
export interface AgentInput {
  /** Example prompts, saved as the first skill's `examples`. */
  prompts?: string[]
  name: string
  description: string
  framework: Framework
  logo_url: string
  color: string
  skills: string[]
  base_url?: string
  target_kind?: string
  target_id?: string
  app_name?: string
  card_url?: string
  endpoint_url?: string
  /** CUSTOM agents: how the platform talks to the endpoint. */
  custom_protocol?: 'openai' | 'json'
  /** A2A: the card a scan returned, and the endpoint it chose (sent as they are). */
  a2a_card?: unknown
  scanned_endpoint?: Record<string, unknown>
}

/** One thing a scan found behind a base URL: an Agno agent or team, an ADK app, a LangGraph assistant. */
export interface ScanTarget {
  kind: string
  id: string
  name: string
  description: string
  /** The endpoint the server proposes for this candidate (post it back as is). */
  endpoint?: Record<string, unknown>
  a2a_card?: unknown
  skills?: string[]
  logo_url?: string
}

export interface AgentCardPreview {
  name: string
  description: string
  url?: string
  version?: string
  skills: string[]
}

export interface ScanResult {
  targets: ScanTarget[]
  card?: AgentCardPreview
}

/** One ranking reason: a code with parameters, worded by `lib/reasons.ts` in the user's language. */
export interface RankReason {
  code: string
  params: Record<string, unknown>
}

export type MatchLevel = 'good' | 'partial' | 'none'

export interface RankedAgent {
  agent: Agent
  score: number
  /** the reasons in English (older servers send only this) */
  reason: string
  reasons: RankReason[]
  match: MatchLevel | null
  owner?: { name: string; team: string }
  /** how many people of the caller's team have used the agent */
  team_users: number
}

export interface RankedPage {
  items: RankedAgent[]
  /** best match over the items; 'none': no agent fits the request; null without a request */
  match: MatchLevel | null
}

export interface ChatSession {
  session_id: string
  agent_id: string
  title: string
  trace_id?: string
  created_at?: string
  updated_at?: string
}

export interface Attachment {
  file_id: string
  filename: string
  content_type: string
  size?: number
}

export interface ChatMessage {
  message_id: string
  role: 'user' | 'assistant' | 'system' | string
  content: string
  attachments: Attachment[]
  created_at?: string
  /** True while the answer is still streaming in. */
  pending?: boolean
  error?: string
  /** The user pressed Stop: `content` is what had streamed by then. */
  stopped?: boolean
}

export interface TraceEntry {
  entry_id: string
  trace_id: string
  created_at: string
  agent_id: string
  model: string
  /** `running` while the call is in flight (its text grows with `output_text`), then `ok` or `error`. */
  status: 'ok' | 'error' | 'running' | string
  /** chat, responses, messages, gemini, completions, embeddings */
  api?: string
  provider?: string
  output_text?: string
  stop_reason?: string
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  latency_ms: number
  request: unknown
  response: unknown
  error?: string
  session_id?: string
  /** Pushed live in a shortened form (over the WebSocket size limit): fetch the whole one to show it. */
  truncated?: boolean
  /** agent_run | tool_call | llm_call | step for span entries (OTel intake); the proxy's call kind otherwise. */
  kind?: string
  agent_name?: string
  /** The OTel span an entry came from or was joined with: the run tree's parent links. */
  span?: { span_id: string; parent_span_id?: string | null; name?: string; ended_at?: string }
  tool?: { name?: string }
}

export interface ApiKey {
  key_id: string
  name: string
  masked: string
  created_at?: string
  last_used_at?: string
  revoked: boolean
}

export interface CreatedApiKey extends ApiKey {
  /** The plain key: the server shows it once, at creation. */
  key: string
}

export interface LlmHealth {
  status: 'healthy' | 'unhealthy' | 'unknown' | string
  checked_at?: string
  latency_ms?: number
  error?: string
}

export type LlmProvider = 'openai' | 'anthropic' | 'gemini'

export interface Llm {
  llm_id: string
  name: string
  /** The API the LLM speaks; the log-proxy passes calls of that format through unchanged. */
  provider: LlmProvider
  base_url: string
  models: string[]
  enabled: boolean
  health: LlmHealth
  has_api_key?: boolean
}

export interface LlmInput {
  name: string
  provider: LlmProvider
  base_url: string
  api_key?: string
  models: string[]
  enabled: boolean
}

export interface LlmTestResult {
  ok: boolean
  latency_ms?: number
  message?: string
}

export type StatsGroupBy = 'day' | 'team' | 'user' | 'model' | 'agent'

export interface UsageRow {
  key: string
  /** The agent's name or the user's display name (grouped by agent / user), when the server knows one. */
  name?: string
  calls: number
  errors: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  latency_ms_avg: number
}

/** One entry of the audit log (`GET /api/admin/audit`): a lifecycle or health action, newest first. */
export interface AuditEvent {
  at: string
  event_id: string
  action: string
  actor: string
  agent_id: string | null
  agent_name: string | null
  owner_id: string | null
  owner_name: string | null
  details: Record<string, unknown>
}

export interface AuditPage {
  items: AuditEvent[]
  cursor: string | null
}

/** `GET /api/admin/stats/agents`. */
export interface AgentStats {
  total: number
  by_status: Record<string, number>
  by_framework: Record<string, number>
  most_used: { agent_id: string; name: string | null; calls: number; total_tokens: number }[]
}

/** `GET /api/admin/stats/users`: people whose LLM calls went through the platform, per day. */
export interface ActiveUsers {
  from: string
  to: string
  days: { date: string; active_users: number; calls: number }[]
  distinct_active_users: number
}

export interface FileUpload {
  file: Attachment
  url: string
  method: 'PUT' | 'POST'
  fields?: Record<string, string>
  headers?: Record<string, string>
}

export interface FileDownload {
  url: string
  filename?: string
  content_type?: string
}
