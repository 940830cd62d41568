/**
 * Every failure is an `A2GError`, one subclass per kind, carrying what the platform said: the platform
 * answers errors as `{"error": {"code", "message", "details"?}}`, and `status`, `code`, `message` (the
 * sentence, without status) and `details` are exactly that. The same kinds as the Python SDK's.
 */

export interface ErrorInit {
  status?: number;
  code?: string;
  details?: Record<string, unknown>;
}

export class A2GError extends Error {
  readonly status?: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** The platform's (or the SDK's) sentence, without status and code. */
  readonly reason: string;

  constructor(message: string, init: ErrorInit = {}) {
    const code = init.code ?? "error";
    super(init.status ? `${message} (${init.status} ${code})` : message);
    this.name = new.target.name;
    this.reason = message;
    this.status = init.status;
    this.code = code;
    this.details = init.details ?? {};
  }
}

/** No credential, no platform URL, or one that is not http(s). */
export class ConfigurationError extends A2GError {}
/** The platform could not be reached (refused, no such host, timeout). */
export class ConnectionFailed extends A2GError {}
/**
 * 401: the key or token was refused, and `code` says why (`CREDENTIAL_REFUSALS`: `invalid_api_key`,
 * `revoked_api_key`, `invalid_token`, `token_expired`, ...); or API Gateway's bare 401 / 403; or the
 * WebSocket was refused.
 */
export class AuthenticationFailed extends A2GError {}
/** 403 from the platform, e.g. `pending_approval`. */
export class PermissionDenied extends A2GError {}
/** 400 / 422. */
export class InvalidRequest extends A2GError {}
export class NotFound extends A2GError {}
export class Conflict extends A2GError {}
export class PayloadTooLarge extends A2GError {}
export class RateLimited extends A2GError {}
/** 502 / 504: an agent, a card URL or an LLM failed. */
export class UpstreamError extends A2GError {}
export class ServerError extends A2GError {}
/** The answer was not the platform's JSON (a wrong URL?). */
export class UnexpectedResponse extends A2GError {}
/** A chat run ended with the agent's error; `runMessage` is the saved error message. */
export class RunFailed extends A2GError {
  readonly runMessage?: Record<string, unknown>;
  constructor(message: string, init: ErrorInit & { runMessage?: Record<string, unknown> } = {}) {
    super(message, init);
    this.runMessage = init.runMessage;
  }
}
/** A chat run sent nothing for the client's run timeout. */
export class RunTimedOut extends A2GError {}

type ErrorClass = new (message: string, init?: ErrorInit) => A2GError;

const BY_STATUS: Record<number, ErrorClass> = {
  400: InvalidRequest, 401: AuthenticationFailed, 403: PermissionDenied, 404: NotFound, 409: Conflict,
  413: PayloadTooLarge, 422: InvalidRequest, 429: RateLimited, 502: UpstreamError, 504: UpstreamError,
};

/**
 * Why the platform's authorizer refused the credential (401 with one of these codes), in the SDK's sentence:
 * what to do about it, from code. The same codes and sentences as the Python SDK's.
 */
export const CREDENTIAL_REFUSALS: Readonly<Record<string, string>> = Object.freeze({
  invalid_api_key: "the platform does not know this API key: check A2G_API_KEY (or --api-key), " +
    "or create a key in the web app's Settings",
  revoked_api_key: "this API key was revoked: create a new one in the web app's Settings",
  invalid_token: "the access token is not a valid platform token: sign in again for a new one",
  token_expired: "the access token has expired: sign in again for a new one, or use an API key",
  credential_required: "the platform wants 'Authorization: Bearer <API key or token>': pass an API key or a token",
  account_removed: "the account this token was issued to no longer exists",
});

const BY_CODE: Record<string, ErrorClass> = {
  unauthenticated: AuthenticationFailed, forbidden: PermissionDenied, pending_approval: PermissionDenied,
  not_found: NotFound, validation_error: InvalidRequest, conflict: Conflict, payload_too_large: PayloadTooLarge,
  throttled: RateLimited, trace_not_found: NotFound, not_last_message: Conflict, session_required: PermissionDenied,
  internal_error: ServerError, storage_unavailable: ServerError,
  ...Object.fromEntries(Object.keys(CREDENTIAL_REFUSALS).map((code) => [code, AuthenticationFailed])),
};

function credentialRefusal(code: unknown): string | undefined {
  return typeof code === "string" && Object.hasOwn(CREDENTIAL_REFUSALS, code) ? CREDENTIAL_REFUSALS[code] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The typed error of an HTTP answer that was not a success. */
export function errorForStatus(status: number, body: unknown, text: string, baseUrl: string): A2GError {
  const envelope = isRecord(body) ? body.error : undefined;
  if (isRecord(envelope) && typeof envelope.message === "string") {
    const refusal = status === 401 ? credentialRefusal(envelope.code) : undefined;
    if (refusal !== undefined) {
      return new AuthenticationFailed(refusal, {
        status,
        code: envelope.code as string,
        details: isRecord(envelope.details) ? envelope.details : undefined,
      });
    }
    const Kind = BY_STATUS[status] ?? (status >= 500 ? ServerError : A2GError);
    return new Kind(envelope.message, {
      status,
      code: typeof envelope.code === "string" ? envelope.code : undefined,
      details: isRecord(envelope.details) ? envelope.details : undefined,
    });
  }
  const gatewayMessage = isRecord(body) ? body.message : undefined;
  // API Gateway's own answers: no Authorization header at all (401), or an authorizer that denies (403; the
  // platform's lets the request through with the reason instead, answered above).
  if (status === 403 && gatewayMessage === "Forbidden") {
    return new AuthenticationFailed(
      "the platform refused the credential: the API key or token is wrong, expired or revoked",
      { status, code: "credential_refused" },
    );
  }
  if (status === 401 && gatewayMessage === "Unauthorized") {
    return new AuthenticationFailed("the platform wants a credential: pass an API key or a token",
      { status, code: "credential_missing" });
  }
  const snippet = text.split(/\s+/).join(" ").trim().slice(0, 200);
  return new UnexpectedResponse(
    `${baseUrl} answered HTTP ${status} without the platform's error body` + (snippet ? ` (${snippet})` : "") +
      "; is this the A2G platform's URL?",
    { status, code: "unexpected_response" },
  );
}

/** The typed error of a refusal pushed over the WebSocket. */
export function errorForCode(code: string, message: string): A2GError {
  const Kind = BY_CODE[code] ?? A2GError;
  return new Kind(credentialRefusal(code) ?? message, { code });
}
