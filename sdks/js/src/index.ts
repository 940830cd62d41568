/**
 * @a2g/sdk — register an A2A agent with the A2G Agent Platform in one call.
 *
 *   import { register } from "@a2g/sdk";
 *   const agent = await register({ cardUrl: "http://my-agent:8000" });   // A2G_API_KEY, A2G_PLATFORM_URL
 *   const again = await register({ card: myCard, color: "#0EA5E9" });   // same agent: updated in place
 *
 * Uses the global `fetch` (Node.js 18+ or a browser). Mirrors the Python SDK (`a2g_sdk.register`).
 */

export const REGISTER_PATH = "/api/a2a/register";

/** An A2A Agent Card (v1.0 or v0.3) as JSON; the platform validates it. */
export type AgentCard = Record<string, unknown>;

export interface RegisterOptions {
  /** The card to post (exactly one of `card` / `cardUrl`). */
  card?: AgentCard;
  /** A URL the platform fetches the card from: the agent's base URL or the card itself. */
  cardUrl?: string;
  /** Defaults to `process.env.A2G_API_KEY`. */
  apiKey?: string;
  /** Defaults to `process.env.A2G_PLATFORM_URL`. */
  platformUrl?: string;
  logoUrl?: string;
  /** #RRGGBB */
  color?: string;
  /** A2A (default), AGNO, ADK, LANGGRAPH or CUSTOM. */
  framework?: string;
  /** Only with a framework other than A2A: how the platform reaches the agent natively. */
  endpoint?: Record<string, unknown>;
  /** Milliseconds; default 30 000. */
  timeoutMs?: number;
  /** A fetch implementation (tests); defaults to the global one. */
  fetch?: typeof fetch;
}

/** The registered agent as the platform returns it, plus whether it was created (false: updated). */
export interface RegisteredAgent {
  id: string;
  name: string;
  status: string;
  version: number;
  created: boolean;
  [field: string]: unknown;
}

export class A2GError extends Error {
  readonly status?: number;
  readonly code?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, init: { status?: number; code?: string; details?: Record<string, unknown> } = {}) {
    super(init.status ? `${init.status} ${init.code ?? "error"}: ${message}` : message);
    this.name = "A2GError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }
}

function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env?.[name];
}

/** The JSON body of a registration: `{card}` or `{card_url}` plus the platform extras (snake_case). */
export function registrationBody(options: RegisterOptions): Record<string, unknown> {
  const hasCard = options.card !== undefined && options.card !== null;
  const hasUrl = typeof options.cardUrl === "string" && options.cardUrl.length > 0;
  if (hasCard === hasUrl) {
    throw new TypeError("pass exactly one of card or cardUrl");
  }
  const body: Record<string, unknown> = hasCard ? { card: options.card } : { card_url: options.cardUrl };
  const extras: Record<string, unknown> = {
    logo_url: options.logoUrl,
    color: options.color,
    framework: options.framework,
    endpoint: options.endpoint,
  };
  for (const [key, value] of Object.entries(extras)) {
    if (value !== undefined && value !== null) body[key] = value;
  }
  return body;
}

/** Register (or update) an agent from its A2A card. Throws `A2GError` when the platform refuses it. */
export async function register(options: RegisterOptions): Promise<RegisteredAgent> {
  const apiKey = options.apiKey ?? env("A2G_API_KEY");
  const platformUrl = (options.platformUrl ?? env("A2G_PLATFORM_URL") ?? "").replace(/\/+$/, "");
  if (!apiKey) throw new A2GError("no API key: pass apiKey or set A2G_API_KEY");
  if (!platformUrl) throw new A2GError("no platform URL: pass platformUrl or set A2G_PLATFORM_URL");
  const body = registrationBody(options);
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(platformUrl + REGISTER_PATH, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new A2GError(`cannot reach the platform at ${platformUrl}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.status !== 200 && response.status !== 201) {
    const error = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
      ?.error;
    throw new A2GError(error?.message ?? (text.slice(0, 300) || `HTTP ${response.status}`), {
      status: response.status,
      code: error?.code,
      details: error?.details,
    });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new A2GError("the platform answered with something other than a JSON object", { status: response.status });
  }
  return { ...(data as Omit<RegisteredAgent, "created">), created: response.status === 201 } as RegisteredAgent;
}
