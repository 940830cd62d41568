/**
 * `Client`: an agent developer's agents, chat sessions, traces and chat runs on one platform.
 *
 *   const a2g = new Client();                       // A2G_PLATFORM_URL, A2G_API_KEY (or A2G_TOKEN)
 *   const agent = await a2g.register({ cardUrl: "http://my-agent:8000" });
 *   const session = await a2g.startSession(agent.id);
 *   for await (const event of a2g.invoke(session.session_id, "hello")) process.stdout.write(event.delta ?? "");
 */

import {
  type Settings,
  type WebSocketClass,
  cancelFrame,
  checkUpload,
  connectionError,
  dropUndefined,
  expectObject,
  finalMessage,
  invokeFrame,
  isLast,
  readAnswer,
  readCancelReply,
  readPush,
  readTracePush,
  resolveSettings,
  seg,
} from "./core.js";
import { RunTimedOut, UnexpectedResponse } from "./errors.js";
import { fileBytes, guessType } from "./files.js";
import { PlatformSocket } from "./socket.js";
import type {
  Agent,
  AgentCard,
  ApiKey,
  ChatMessage,
  Endpoint,
  FileDownload,
  FileInfo,
  Me,
  NewApiKey,
  Page,
  RegisteredAgent,
  RunEvent,
  Session,
  Skill,
  StopAck,
  TraceEntry,
  TracePage,
  TracePush,
} from "./types.js";

export const REGISTER_PATH = "/api/a2a/register";

export interface ClientOptions {
  /** Defaults to `A2G_PLATFORM_URL`, e.g. http://127.0.0.1:3000. */
  platformUrl?: string;
  /** An `a2g_sk_...` key; defaults to `A2G_API_KEY`. */
  apiKey?: string;
  /** A signed-in user's access token instead of a key; defaults to `A2G_TOKEN`. */
  token?: string;
  /** Where chat runs stream from; defaults to `/ws` on the platform's origin, or `A2G_WS_URL`. */
  wsUrl?: string;
  /** Milliseconds to wait for each HTTP answer; default 30 000. */
  timeoutMs?: number;
  /** A fetch implementation; defaults to the global one (Node.js 18+). */
  fetch?: typeof fetch;
  /** A WebSocket class; defaults to the global one, else the `ws` package. */
  WebSocket?: WebSocketClass;
}

export interface RegistrationOptions {
  /** The card to post (exactly one of `card` / `cardUrl`). */
  card?: AgentCard;
  /** A URL the platform fetches the card from: the agent's base URL or the card itself. */
  cardUrl?: string;
  logoUrl?: string;
  /** #RRGGBB */
  color?: string;
  /** A2A (default), AGNO, ADK, LANGGRAPH or CUSTOM. */
  framework?: string;
  /** Only with a framework other than A2A: how the platform reaches the agent natively. */
  endpoint?: Record<string, unknown>;
}

export interface AgentChanges {
  /** The version you read (a newer one on the platform is a `Conflict`); default: the current one. */
  version?: number;
  name?: string;
  description?: string;
  skills?: Skill[];
  logoUrl?: string;
  color?: string;
  framework?: string;
  endpoint?: Endpoint;
}

export interface NewAgent {
  name: string;
  framework: string;
  endpoint: Endpoint;
  description?: string;
  skills?: Skill[];
  logoUrl?: string;
  color?: string;
}

export interface InvokeOptions {
  /** File ids from `uploadFile`. */
  attachments?: string[];
  /**
   * The id of the session's last user message: this one takes its place and the old question and answer are
   * deleted (the web app's Edit and resend, Regenerate, Retry); any other id throws `Conflict` `not_last_message`.
   */
  replaces?: string;
  /** Milliseconds to wait for the run's next push; default 900 000 (the platform stops a run at 840 s). */
  timeoutMs?: number;
  requestId?: string;
}

interface Call {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  what: string;
}

/** The JSON body of a registration: `{card}` or `{card_url}` plus the platform extras (snake_case). */
export function registrationBody(options: RegistrationOptions): Record<string, unknown> {
  const hasCard = options.card !== undefined && options.card !== null;
  const hasUrl = typeof options.cardUrl === "string" && options.cardUrl.length > 0;
  if (hasCard === hasUrl) throw new TypeError("pass exactly one of card or cardUrl");
  const body: Record<string, unknown> = hasCard ? { card: options.card } : { card_url: options.cardUrl };
  return { ...body, ...dropUndefined({ logo_url: options.logoUrl, color: options.color,
    framework: options.framework, endpoint: options.endpoint }) };
}

export class Client {
  readonly settings: Settings;
  private readonly timeoutMs: number;
  private readonly doFetch: typeof fetch;
  private readonly webSocket?: WebSocketClass;

  constructor(options: ClientOptions = {}) {
    this.settings = resolveSettings(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.doFetch = options.fetch ?? globalThis.fetch;
    this.webSocket = options.WebSocket;
  }

  // --- HTTP -----------------------------------------------------------------------------------------------
  private async response(call: Call): Promise<{ status: number; body: unknown }> {
    const { baseUrl, credential } = this.settings;
    const url = new URL(baseUrl + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Response;
    try {
      response = await this.doFetch(url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${credential}`,
          accept: "application/json",
          ...(call.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw connectionError(error, baseUrl, call.what);
    }
    const text = await response.text();
    return { status: response.status, body: readAnswer(response.status, text, baseUrl, call.what) };
  }

  private async object<T>(call: Call): Promise<T> {
    return expectObject<T>((await this.response(call)).body, call.what);
  }

  // --- who am I -------------------------------------------------------------------------------------------
  /** Who the credential speaks for; a quick check that the URL and the key are right. */
  me(): Promise<Me> {
    return this.object<Me>({ method: "GET", path: "/api/auth/me", what: "reading who the credential is" });
  }

  // --- agents ---------------------------------------------------------------------------------------------
  /** Register an agent from its A2A card (or have the platform fetch it); the same agent again is updated. */
  async register(options: RegistrationOptions): Promise<RegisteredAgent> {
    const call: Call = { method: "POST", path: REGISTER_PATH, body: registrationBody(options),
      what: "registering the agent" };
    const { status, body } = await this.response(call);
    return { ...expectObject<Agent>(body, call.what), created: status === 201 };
  }

  /** Create an agent by hand, as the web app's "+" does. */
  createAgent(agent: NewAgent): Promise<Agent> {
    const body = dropUndefined({ name: agent.name, framework: agent.framework, endpoint: agent.endpoint,
      description: agent.description, skills: agent.skills, logo_url: agent.logoUrl, color: agent.color });
    return this.object<Agent>({ method: "POST", path: "/api/my-agents", body, what: "creating the agent" });
  }

  listAgents(options: { limit?: number; cursor?: string } = {}): Promise<Page<Agent>> {
    return this.object({ method: "GET", path: "/api/my-agents", query: options, what: "listing your agents" });
  }

  /** Every one of your agents, newest first, following the pages. */
  async *iterAgents(): AsyncGenerator<Agent> {
    let cursor: string | undefined;
    do {
      const page = await this.listAgents({ cursor });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  getAgent(agentId: string): Promise<Agent> {
    return this.object({ method: "GET", path: `/api/my-agents/${seg(agentId)}`, what: "reading the agent" });
  }

  /** Change some fields; without `version` the current one is read first (the last writer wins). */
  async updateAgent(agentId: string, changes: AgentChanges): Promise<Agent> {
    const version = changes.version ?? (await this.getAgent(agentId)).version;
    const body = { ...dropUndefined({ name: changes.name, description: changes.description, skills: changes.skills,
      logo_url: changes.logoUrl, color: changes.color, framework: changes.framework, endpoint: changes.endpoint }),
    version };
    return this.object({ method: "PATCH", path: `/api/my-agents/${seg(agentId)}`, body, what: "updating the agent" });
  }

  async deleteAgent(agentId: string, options: { version?: number } = {}): Promise<void> {
    await this.response({ method: "DELETE", path: `/api/my-agents/${seg(agentId)}`, query: options,
      what: "deleting the agent" });
  }

  /** DEVELOPMENT → PRODUCTION: colleagues find the agent in operation mode. */
  publish(agentId: string, options: { version?: number } = {}): Promise<Agent> {
    return this.object({ method: "POST", path: `/api/my-agents/${seg(agentId)}/publish`,
      body: options.version !== undefined ? { version: options.version } : undefined, what: "publishing the agent" });
  }

  /** PRODUCTION → DEVELOPMENT. */
  withdraw(agentId: string, options: { version?: number } = {}): Promise<Agent> {
    return this.object({ method: "POST", path: `/api/my-agents/${seg(agentId)}/withdraw`,
      body: options.version !== undefined ? { version: options.version } : undefined, what: "withdrawing the agent" });
  }

  // --- chat sessions --------------------------------------------------------------------------------------
  /** A new chat session with the agent; its `trace_id` collects the LLM calls of its runs. */
  startSession(agentId: string, options: { title?: string; reuseLatest?: boolean } = {}): Promise<Session> {
    const body = dropUndefined({ title: options.title, reuse_latest: options.reuseLatest || undefined });
    return this.object({ method: "POST", path: `/api/agents/${seg(agentId)}/sessions`, body,
      what: "starting a chat session" });
  }

  listSessions(agentId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<Session>> {
    return this.object({ method: "GET", path: `/api/agents/${seg(agentId)}/sessions`, query: options,
      what: "listing the agent's chat sessions" });
  }

  getSession(sessionId: string): Promise<Session> {
    return this.object({ method: "GET", path: `/api/sessions/${seg(sessionId)}`, what: "reading the chat session" });
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.response({ method: "DELETE", path: `/api/sessions/${seg(sessionId)}`, what: "deleting the chat session" });
  }

  listMessages(sessionId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<ChatMessage>> {
    return this.object({ method: "GET", path: `/api/sessions/${seg(sessionId)}/messages`, query: options,
      what: "reading the chat history" });
  }

  // --- traces ---------------------------------------------------------------------------------------------
  /** One page of a trace's entries (an agent's `trace_id` or a session's). */
  trace(traceId: string, options: { limit?: number; cursor?: string; order?: "asc" | "desc" } = {}): Promise<TracePage> {
    if (!traceId) throw new TypeError("traceId must be a non-empty string");
    return this.object({ method: "GET", path: "/api/logs", query: { trace_id: traceId, ...options },
      what: "reading the trace" });
  }

  async *iterTrace(traceId: string, options: { order?: "asc" | "desc" } = {}): AsyncGenerator<TraceEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.trace(traceId, { ...options, cursor });
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** One entry whole (pages carry long entries cut, with `truncated`). */
  traceEntry(traceId: string, entryId: string): Promise<TraceEntry> {
    return this.object({ method: "GET", path: `/api/logs/${seg(entryId)}`, query: { trace_id: traceId },
      what: "reading the trace entry" });
  }

  /** Delete the trace's entries (with `upTo`, an ISO time: those made at or before it); resolves to how many. */
  async clearTrace(traceId: string, options: { upTo?: string } = {}): Promise<number> {
    const body = await this.object<{ deleted?: number }>({ method: "DELETE", path: "/api/logs",
      query: { trace_id: traceId, up_to: options.upTo }, what: "clearing the trace" });
    return body.deleted ?? 0;
  }

  /**
   * The trace live, as the web app's trace panel shows it: every push of LLM calls made on it from now on
   * (`trace.running` while a call streams, `trace.entry` when it ends, ...) until you leave the loop. A trace
   * that is not yours throws `NotFound`; `timeoutMs`: silence before `RunTimedOut` (default: wait forever).
   */
  async *watchTrace(traceId: string, options: { timeoutMs?: number } = {}): AsyncGenerator<TracePush> {
    if (!traceId) throw new TypeError("traceId must be a non-empty string");
    const socket = await PlatformSocket.open(this.settings, this.webSocket, this.timeoutMs);
    try {
      socket.send(JSON.stringify({ action: "subscribe", trace_id: traceId }));
      while (true) {
        const data = await socket.next(options.timeoutMs, () => new RunTimedOut(
          `the trace sent nothing for ${(options.timeoutMs ?? 0) / 1000} seconds`, { code: "run_timeout" }), "the watch");
        const push = readTracePush(data, traceId);
        if (push && push !== "subscribed") yield push;
      }
    } finally {
      socket.close();
    }
  }

  // --- chat runs ------------------------------------------------------------------------------------------
  /**
   * Run the session's agent on `message`, yielding its pushes as they come: run_started, chunk..., progress,
   * and last `message` (the saved answer) or `error` (the agent failed; saved as well). A run the platform
   * refuses (no such session, empty message, a stale `replaces`: `Conflict` `not_last_message`) throws the
   * typed error instead. `requestId` names the run for `cancel`.
   */
  async *invoke(sessionId: string, message: string, options: InvokeOptions = {}): AsyncGenerator<RunEvent> {
    const { frame, requestId } = invokeFrame(sessionId, message, options.attachments, options.requestId,
      options.replaces);
    const socket = await PlatformSocket.open(this.settings, this.webSocket, this.timeoutMs);
    try {
      socket.send(frame);
      const runTimeout = options.timeoutMs ?? 900_000;
      while (true) {
        const data = await socket.next(runTimeout, () => new RunTimedOut(
          `the agent's run sent nothing for ${runTimeout / 1000} seconds`, { code: "run_timeout" }), "the run");
        const event = readPush(data, requestId);
        if (!event) continue;
        yield event;
        if (isLast(event)) return;
      }
    } finally {
      socket.close();
    }
  }

  /**
   * Stop a running chat run (the web app's Stop): the one `invoke` named `requestId`, or, without it, whichever
   * run of the session started before now. The run then ends within about a second with a `message` whose
   * status is `stopped` and whose content is what had streamed; `invoke` yields it. The Stop travels on a
   * connection of its own, so it can be awaited inside the `for await` loop. Not your session: `NotFound`.
   */
  async cancel(sessionId: string, options: { requestId?: string } = {}): Promise<StopAck> {
    const socket = await PlatformSocket.open(this.settings, this.webSocket, this.timeoutMs);
    try {
      socket.send(cancelFrame(sessionId, options.requestId));
      while (true) {
        const data = await socket.next(this.timeoutMs, () => new RunTimedOut(
          `the Stop sent nothing for ${this.timeoutMs / 1000} seconds`, { code: "run_timeout" }), "the Stop");
        const ack = readCancelReply(data);
        if (ack) return ack;
      }
    } finally {
      socket.close();
    }
  }

  /** Run the agent and resolve to its saved answer; `RunFailed` when the agent failed. */
  async chat(sessionId: string, message: string, options: InvokeOptions = {}): Promise<ChatMessage> {
    let last: RunEvent | undefined;
    for await (const event of this.invoke(sessionId, message, options)) last = event;
    return finalMessage(last as RunEvent);
  }

  // --- files ----------------------------------------------------------------------------------------------
  /**
   * Attach a file to a chat session, as the web app's paperclip does: the platform hands out a presigned form
   * and the bytes go straight to storage. `data`: bytes, a Blob / File, or (Node.js) a file path. Pass the
   * result's `file_id` in `attachments`.
   */
  async uploadFile(sessionId: string, data: Uint8Array | ArrayBuffer | Blob | string,
    options: { fileName?: string; contentType?: string } = {}): Promise<FileInfo> {
    const { bytes, fileName } = await fileBytes(data, options.fileName);
    const contentType = options.contentType || (data instanceof Blob && data.type) || guessType(fileName);
    const ticket = await this.object<{ file: FileInfo; upload?: { url?: string; fields?: Record<string, string> } }>({
      method: "POST", path: "/api/files", what: "announcing the file",
      body: { session_id: sessionId, file_name: fileName, content_type: contentType, size: bytes.byteLength } });
    const { url, fields } = ticket.upload ?? {};
    if (typeof url !== "string" || !fields) {
      throw new UnexpectedResponse("announcing the file: the platform's answer has no upload form",
        { code: "unexpected_response" });
    }
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append("file", new Blob([bytes as BlobPart], { type: contentType }), fileName);  // S3 wants the file last
    let sent: Response;
    try {
      sent = await this.doFetch(url, { method: "POST", body: form, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw connectionError(error, url, "uploading the file");
    }
    checkUpload(sent.status, await sent.text(), fileName);
    return ticket.file;
  }

  /** A file of one of your sessions, with a short-lived download `url`. */
  getFile(fileId: string): Promise<FileDownload> {
    return this.object({ method: "GET", path: `/api/files/${seg(fileId)}`, what: "reading the file" });
  }

  /** The bytes of a file of one of your sessions. */
  async downloadFile(fileId: string): Promise<Uint8Array> {
    const { url } = await this.getFile(fileId);
    let fetched: Response;
    try {
      fetched = await this.doFetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw connectionError(error, url, "downloading the file");
    }
    if (!fetched.ok) {
      throw new UnexpectedResponse(`storage answered HTTP ${fetched.status} for the file ${fileId}: its download link ` +
        "may have expired; read it again", { status: fetched.status, code: "unexpected_response" });
    }
    return new Uint8Array(await fetched.arrayBuffer());
  }

  // --- API keys (a signed-in person's access token only: a key cannot mint or revoke keys) ---------------
  async listApiKeys(options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
    const page = await this.object<{ items: ApiKey[] }>({ method: "GET", path: "/api/api-keys",
      query: { include_revoked: options.includeRevoked ? "true" : undefined }, what: "listing your API keys" });
    return page.items;
  }

  /** A new key; its `key` is shown this once. With an API key as the credential: `PermissionDenied`. */
  createApiKey(name?: string): Promise<NewApiKey> {
    return this.object({ method: "POST", path: "/api/api-keys", body: dropUndefined({ name }),
      what: "creating an API key" });
  }

  async revokeApiKey(keyId: string): Promise<void> {
    await this.response({ method: "DELETE", path: `/api/api-keys/${seg(keyId)}`, what: "revoking the API key" });
  }
}
