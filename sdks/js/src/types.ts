/** The JSON shapes the platform answers with (snake_case, as sent). Only what a developer reads is listed. */

export type Framework = "A2A" | "AGNO" | "ADK" | "LANGGRAPH" | "CUSTOM";
export type AgentStatus = "DEVELOPMENT" | "PRODUCTION" | "DISABLED";

/** An A2A Agent Card (v1.0 or v0.3) as JSON; the platform validates it. */
export type AgentCard = Record<string, unknown>;

export interface Skill {
  id?: string;
  name: string;
  description?: string;
  tags?: string[];
}

export interface Endpoint {
  base_url: string;
  agno_agent_id?: string;
  agno_team_id?: string;
  adk_app_name?: string;
  langgraph_assistant_id?: string;
  custom_protocol?: "openai" | "json";
  custom_model?: string;
  [field: string]: unknown;
}

export interface Agent {
  id: string;
  name: string;
  status: AgentStatus;
  version: number;
  framework: Framework;
  owner_id?: string;
  description?: string;
  logo_url?: string | null;
  color?: string;
  skills?: Skill[];
  created_at?: string;
  updated_at?: string;
  last_used_at?: string | null;
  endpoint?: Endpoint;
  /** The agent's stable trace: every LLM call made through its log-proxy base URL. */
  trace_id?: string | null;
  /** Paste into the agent as its OpenAI base URL, with an API key. */
  log_proxy_base_url?: string;
  a2a_card?: AgentCard | null;
  card_url?: string | null;
  [field: string]: unknown;
}

/** The registered agent, plus whether it was created (false: the same agent was updated in place). */
export interface RegisteredAgent extends Agent {
  created: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Session {
  session_id: string;
  agent_id: string;
  user_id: string;
  /** Holds the LLM calls made while the platform's chat ran the agent in this session. */
  trace_id: string;
  mode: string;
  title: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface MessageError {
  code: string;
  message: string;
}

export interface ChatMessage {
  message_id: string;
  session_id: string;
  role: "user" | "assistant";
  content: string;
  status: "complete" | "error" | "stopped";
  error?: MessageError | null;
  attachments?: Record<string, unknown>[];
  created_at?: string;
  agent_id?: string | null;
  duration_ms?: number | null;
  truncated?: boolean;
}

export interface TraceEntry {
  entry_id: string;
  trace_id: string;
  at: string;
  kind: string;
  status: "ok" | "error";
  model?: string | null;
  stream?: boolean;
  http_status?: number;
  latency_ms?: number;
  ttft_ms?: number | null;
  agent_id?: string | null;
  session_id?: string | null;
  request?: Record<string, unknown>;
  response?: Record<string, unknown> | null;
  usage?: Record<string, unknown> | null;
  error?: Record<string, unknown> | null;
  truncated?: boolean;
  [field: string]: unknown;
}

export interface TracePage extends Page<TraceEntry> {
  trace_id: string;
  kind: string;
  agent_id: string | null;
  session_id: string | null;
  order: "asc" | "desc";
}

export interface Me {
  user_id: string;
  name?: string;
  role: "PENDING" | "USER" | "ADMIN";
  team?: string;
  auth_kind: "token" | "api_key";
  [field: string]: unknown;
}

/**
 * One push of a chat run: `run_started` (message: the saved user message), `chunk` (delta), `progress`,
 * then `message` (the saved answer) or `error` (the agent failed: error {code, message}, the saved message).
 */
export interface RunEvent {
  type: "run_started" | "chunk" | "progress" | "message" | "error";
  session_id: string;
  request_id?: string | null;
  delta?: string;
  text?: string;
  elapsed_ms?: number;
  message?: ChatMessage | null;
  error?: MessageError;
  /** run_started of an invoke with `replaces`: the ids of the messages it deleted. */
  replaced?: string[];
}

/** The answer to `cancel`: the Stop is recorded; the run ends within about a second. */
export interface StopAck {
  type: "stopping";
  session_id: string;
  request_id: string | null;
}

/**
 * A live push of a watched trace (`watchTrace`): `trace.running` (a call in flight: `entry` has `entry_id`,
 * `status: "running"`, then `output_text` with `partial: true`), `trace.entry` (a finished call, replacing the
 * running one with the same `entry_id`), `trace.entry_removed` (merged into `merged_into`), `trace.cleared`.
 */
export interface TracePush {
  type: "trace.entry" | "trace.running" | "trace.entry_removed" | "trace.cleared";
  trace_id: string;
  entry?: TraceEntry;
  entry_id?: string;
  merged_into?: string | null;
}

/** An uploaded file; pass its `file_id` in `attachments` of `invoke` / `chat`. */
export interface FileInfo {
  file_id: string;
  file_name: string;
  content_type: string;
  size: number;
  previewable: boolean;
  session_id: string;
  created_at: string;
}

export interface FileDownload extends FileInfo {
  /** short-lived */
  url: string;
  expires_in: number;
}

/** An API key as its owner sees it: masked. */
export interface ApiKey {
  id: string;
  name: string | null;
  masked: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  status: "active" | "revoked";
}

export interface NewApiKey extends ApiKey {
  /** the key itself: shown this once */
  key: string;
}
