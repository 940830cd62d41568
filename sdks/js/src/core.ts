/** Settings, reading answers and the chat-run protocol: what the client and the CLI share. */

import {
  A2GError,
  AuthenticationFailed,
  ConfigurationError,
  ConnectionFailed,
  InvalidRequest,
  PayloadTooLarge,
  RunFailed,
  ServerError,
  UnexpectedResponse,
  errorForCode,
  errorForStatus,
} from "./errors.js";
import type { ChatMessage, RunEvent, StopAck, TracePush } from "./types.js";

export const API_KEY_ENV = "A2G_API_KEY";
export const TOKEN_ENV = "A2G_TOKEN";
export const PLATFORM_URL_ENV = "A2G_PLATFORM_URL";
export const WS_URL_ENV = "A2G_WS_URL";

export function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

export interface Settings {
  baseUrl: string;
  credential: string;
  wsUrl: string;
}

/**
 * An API key (`a2g_sk_...`) or a signed-in user's access token: every route the SDK calls accepts either
 * (the platform's one authorizer takes both). Defaults: A2G_PLATFORM_URL, A2G_API_KEY then A2G_TOKEN.
 */
export function resolveSettings(options: {
  platformUrl?: string;
  apiKey?: string;
  token?: string;
  wsUrl?: string;
}): Settings {
  if (options.apiKey && options.token) {
    throw new ConfigurationError("pass an API key or a token, not both", { code: "two_credentials" });
  }
  const credential = options.apiKey || options.token || env(API_KEY_ENV) || env(TOKEN_ENV);
  if (!credential) {
    throw new ConfigurationError(
      `no API key: pass apiKey (or token) or set ${API_KEY_ENV} (create a key in the platform under Settings → API keys)`,
      { code: "no_credential" },
    );
  }
  const baseUrl = checkPlatformUrl(options.platformUrl || env(PLATFORM_URL_ENV) || "");
  const wsUrl = checkWsUrl(options.wsUrl || env(WS_URL_ENV) || defaultWsUrl(baseUrl));
  return { baseUrl, credential: credential.trim(), wsUrl };
}

export function checkPlatformUrl(value: string): string {
  const text = value.trim().replace(/\/+$/, "");
  if (!text) {
    throw new ConfigurationError(
      `no platform URL: pass platformUrl or set ${PLATFORM_URL_ENV} (e.g. http://127.0.0.1:3000)`,
      { code: "no_platform_url" },
    );
  }
  if (!/^https?:\/\/[^/?#\s@]+/i.test(text)) {
    throw new ConfigurationError(
      `the platform URL '${value}' is not an http:// or https:// URL (e.g. http://127.0.0.1:3000)`,
      { code: "bad_platform_url" },
    );
  }
  return text;
}

function checkWsUrl(value: string): string {
  if (!/^wss?:\/\/[^/?#\s@]+/i.test(value.trim())) {
    throw new ConfigurationError(`the WebSocket URL '${value}' is not a ws:// or wss:// URL`, { code: "bad_ws_url" });
  }
  return value.trim();
}

/** The platform serves its WebSocket at `/ws` of the same origin (locally and behind CloudFront). */
export function defaultWsUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}/ws`;
}

/** One path segment: an id with a slash in it cannot reach another route. */
export function seg(value: string): string {
  if (typeof value !== "string" || !value) throw new TypeError("an id must be a non-empty string");
  return encodeURIComponent(value);
}

export function dropUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null));
}

/** The JSON of a 2xx answer (undefined for 204), or the typed error of any other. */
export function readAnswer(status: number, text: string, baseUrl: string, what: string): unknown {
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    if (status >= 200 && status < 300) {
      throw new UnexpectedResponse(
        `${what}: ${baseUrl} answered with something other than JSON; is this the A2G platform's URL?`,
        { status, code: "unexpected_response" },
      );
    }
  }
  if (status >= 200 && status < 300) return body;
  throw errorForStatus(status, body, text, baseUrl);
}

export function expectObject<T>(body: unknown, what: string): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new UnexpectedResponse(`${what}: the platform answered with something other than a JSON object`,
      { code: "unexpected_response" });
  }
  return body as T;
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  if (code === "ECONNREFUSED") return "connection refused: is it running?";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "no such host";
  return cause?.message ?? (error as Error)?.message ?? String(error);
}

export function connectionError(error: unknown, baseUrl: string, what: string): A2GError {
  const name = (error as Error)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new ConnectionFailed(`${what}: the platform at ${baseUrl} did not answer in time`, { code: "timeout" });
  }
  return new ConnectionFailed(`${what}: cannot reach the platform at ${baseUrl} (${reason(error)})`,
    { code: "unreachable" });
}

// --- chat runs over the WebSocket -------------------------------------------------------------------------

/** What the SDK needs of a WebSocket: the standard one (browsers, Node.js 22+) and the `ws` package both fit. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number): void;
  addEventListener(type: string, listener: (event: { data?: unknown; message?: string; error?: unknown }) => void): void;
}
export type WebSocketClass = new (url: string) => WebSocketLike;

export async function webSocketClass(given?: WebSocketClass): Promise<WebSocketClass> {
  if (given) return given;
  const onNode = Boolean((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node);
  const native = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (native && !onNode) return native;
  // On Node.js the `ws` package: 18-21 have no global WebSocket, and only `ws` tells a refused handshake's
  // status (401/403), which makes a wrong key an AuthenticationFailed rather than a bare connection error.
  const ws = await import("ws");
  return ws.WebSocket as unknown as WebSocketClass;
}

/** Browsers cannot set headers on a WebSocket, so the platform reads the credential from `?token=`. */
export function wsConnectUrl(settings: Settings): string {
  const separator = settings.wsUrl.includes("?") ? "&" : "?";
  return `${settings.wsUrl}${separator}token=${encodeURIComponent(settings.credential)}`;
}

/** `replaces`: the session's last user message, which this one replaces (Edit and resend, Regenerate). */
export function invokeFrame(sessionId: string, message: string, attachments: string[] | undefined,
  requestId: string | undefined, replaces?: string): { frame: string; requestId: string } {
  const rid = requestId ?? `sdk-${Math.random().toString(16).slice(2, 10)}${Date.now().toString(16)}`;
  const frame = JSON.stringify({ action: "invoke", session_id: sessionId, message, attachments: attachments ?? [],
    request_id: rid, ...(replaces !== undefined ? { replaces } : {}) });
  return { frame, requestId: rid };
}

/** Stop: the run with this request id (without one, whichever run of the session started before it). */
export function cancelFrame(sessionId: string, requestId: string | undefined): string {
  return JSON.stringify({ action: "cancel", session_id: sessionId, ...(requestId !== undefined ? { request_id: requestId } : {}) });
}

function parsePush(raw: unknown): Record<string, unknown> | undefined {
  try {
    const push: unknown = JSON.parse(typeof raw === "string" ? raw : String(raw));
    return typeof push === "object" && push !== null && !Array.isArray(push) ? push as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** API Gateway's own answer to a message (it carries `connectionId`), as the typed error it means. */
function gatewayWord(push: Record<string, unknown>, action: string): void {
  if (push.message === "Forbidden") {
    throw new UnexpectedResponse(`the WebSocket has no \`${action}\` route: is this the A2G platform's WebSocket URL?`,
      { code: `no_${action}_route` });
  }
  if (push.message === "Internal server error") {
    throw new ServerError(`the platform failed while handling \`${action}\``, { code: "internal_error" });
  }
  // e.g. "Endpoint request timed out" after 29 s: the run goes on and keeps pushing.
}

function refusal(push: Record<string, unknown>, fallback: string): A2GError {
  const error = (push.error ?? {}) as { code?: string; message?: string };
  return errorForCode(error.code ?? "error", error.message ?? fallback);
}

/** The answer to a `cancel`: `stopping` (returned), its refusal (thrown), or undefined for anything else. */
export function readCancelReply(raw: unknown): StopAck | undefined {
  const push = parsePush(raw);
  if (!push) return undefined;
  if (push.connectionId !== undefined) {
    gatewayWord(push, "cancel");
    return undefined;
  }
  if (push.type === "stopping") return push as unknown as StopAck;
  if (push.type === "error" && push.action === "cancel") throw refusal(push, "the Stop was refused");
  return undefined;
}

const TRACE_PUSHES = new Set(["trace.entry", "trace.running", "trace.entry_removed", "trace.cleared"]);

/** A live push of this trace, "subscribed" once the feed started, a refusal (thrown), or undefined. */
export function readTracePush(raw: unknown, traceId: string): TracePush | "subscribed" | undefined {
  const push = parsePush(raw);
  if (!push) return undefined;
  if (push.connectionId !== undefined) {
    gatewayWord(push, "subscribe");
    return undefined;
  }
  if (push.type === "error" && push.action === "subscribe") throw refusal(push, "the subscription was refused");
  if (push.trace_id !== traceId) return undefined;
  if (push.type === "subscribed") return "subscribed";
  return TRACE_PUSHES.has(String(push.type)) ? push as unknown as TracePush : undefined;
}

/** Storage's answer to the presigned POST of an upload: 2xx, or why it refused (its XML `<Code>`). */
export function checkUpload(status: number, text: string, fileName: string): void {
  if (status >= 200 && status < 300) return;
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `http_${status}`;
  if (code === "EntityTooLarge") {
    throw new PayloadTooLarge(`storage refused '${fileName}': it is larger than announced or than the platform allows`,
      { status, code: "upload_too_large" });
  }
  throw new InvalidRequest(`storage refused the upload of '${fileName}' (${code}): the upload form may have expired, ` +
    "or the bytes differ from what was announced", { status, code: "upload_refused" });
}

export function webSocketError(event: { message?: string; error?: unknown }, wsUrl: string): A2GError {
  const text = event.message ?? (event.error as Error | undefined)?.message ?? "";
  const status = /Unexpected server response: (\d+)/.exec(text)?.[1];
  if (status === "401" || status === "403") {
    return new AuthenticationFailed(
      `the platform refused the WebSocket at ${wsUrl}: the API key or token is wrong, expired or revoked, the ` +
        "account waits for approval, or the trace is not yours",
      { status: Number(status), code: "credential_refused" },
    );
  }
  if (status) {
    return new UnexpectedResponse(`${wsUrl} answered HTTP ${status} instead of opening a WebSocket; is this the ` +
      "platform's WebSocket URL?", { status: Number(status), code: "unexpected_response" });
  }
  return new ConnectionFailed(`cannot open the WebSocket at ${wsUrl} (${reason(event.error ?? event) || "refused"})`,
    { code: "unreachable" });
}

/** A push of this run, or undefined for anything else on the connection; a refused run throws. */
export function readPush(raw: unknown, requestId: string): RunEvent | undefined {
  let push: unknown;
  try {
    push = JSON.parse(typeof raw === "string" ? raw : String(raw));
  } catch {
    return undefined;
  }
  if (typeof push !== "object" || push === null) return undefined;
  const event = push as RunEvent & { message?: unknown; connectionId?: string };
  if (event.request_id !== requestId) {
    if (event.connectionId !== undefined) gatewayWord(push as Record<string, unknown>, "invoke");
    return undefined;
  }
  if (event.type === "error" && (event.message === null || event.message === undefined)) {
    // e.g. Conflict not_last_message: a stale `replaces`
    throw refusal(push as Record<string, unknown>, "the run was refused");
  }
  return event;
}

export function isLast(event: RunEvent): boolean {
  return event.type === "message" || event.type === "error";
}

/** The saved answer of the run's last event; RunFailed when the agent failed. */
export function finalMessage(event: RunEvent): ChatMessage {
  if (event.type === "error") {
    const error = event.error ?? { code: "agent_error", message: "the run failed" };
    throw new RunFailed(`the agent's run failed: ${error.message}`, {
      code: error.code, runMessage: (event.message ?? undefined) as Record<string, unknown> | undefined,
    });
  }
  if (!event.message) throw new UnexpectedResponse("the run ended without the agent's message");
  return event.message;
}
