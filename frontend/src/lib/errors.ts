/**
 * What the app says when something fails: the API answers a code (`{"error": {"code", "message"}}`); this
 * turns it into one translated sentence and the action that can help (retry, open settings, sign in again).
 * Server text is only shown when it reads as a sentence for people: never an exception name, raw JSON or
 * Pydantic's "Value error, " prefix.
 */
import type { TFunction } from 'i18next'
import i18n from '../i18n'
import { ApiError } from '../api/client'

export type ErrorAction = 'retry' | 'settings' | 'signIn' | null

export interface ExplainedError {
  code: string
  message: string
  action: ErrorAction
  /** Per form field, the sentence to show under it. */
  fields: Record<string, string>
}

/** Codes with their own sentence (keys under `errorCodes` in the translations) and the action that helps. */
export const ERROR_ACTIONS: Record<string, ErrorAction> = {
  network_error: 'retry',
  internal_error: 'retry',
  service_unavailable: 'retry',
  storage_unavailable: 'retry',
  throttled: 'retry',
  upstream_error: 'retry',
  upstream_unreachable: 'retry',
  upstream_timeout: 'retry',
  upstream_status: 'retry',
  upstream_invalid_json: 'retry',
  unauthenticated: 'signIn',
  invalid_token: 'signIn',
  token_expired: 'signIn',
  session_expired: 'signIn',
  invalid_api_key: 'settings',
  too_many_keys: 'settings',
  llm_not_found: null,
  forbidden: null,
  not_found: null,
  conflict: 'retry',
  version_conflict: 'retry',
  payload_too_large: null,
  file_too_large: null,
  file_type_not_allowed: null,
  pending_approval: null,
  last_admin: null,
  model_taken: null,
  invalid_base_url: null,
  invalid_date_range: null,
  not_last_message: null,
}

/** Codes that are about one form field: their sentence goes under that field (e.g. the LLM form's models). */
export const CODE_FIELDS: Record<string, string> = {
  model_taken: 'models',
  invalid_base_url: 'base_url',
}

/** The code to word an error by when the server's own code has no sentence: by HTTP status. */
function codeForStatus(status: number): string {
  if (status === 0) return 'network_error'
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 409) return 'conflict'
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'throttled'
  if (status === 502) return 'upstream_error'
  if (status === 504) return 'upstream_timeout'
  if (status === 503) return 'service_unavailable'
  if (status >= 500) return 'internal_error'
  return 'bad_request'
}

const EXCEPTION_NAME = /\b[A-Z][A-Za-z]*(Error|Exception)\b/
const JSONISH = /[{}[\]]|\\"|":/

/**
 * The server's message if a person can read it as is; null for logs (exception names, JSON, tracebacks).
 * Pydantic's "Value error, " / "Assertion failed, " prefixes are dropped.
 */
export function readableServerText(text: string | undefined | null): string | null {
  if (!text) return null
  const cleaned = text.replace(/^(value error|assertion failed),\s*/i, '').trim()
  if (!cleaned || cleaned.length > 240) return null
  if (EXCEPTION_NAME.test(cleaned) || JSONISH.test(cleaned) || /traceback|https?:\/\/[\w.-]+/i.test(cleaned)) return null
  return cleaned.charAt(0).toUpperCase() + cleaned.slice(1)
}

export function explainError(e: unknown, t: TFunction = i18n.t.bind(i18n) as TFunction): ExplainedError {
  const fields: Record<string, string> = {}
  if (e instanceof ApiError) {
    for (const f of e.fields) {
      const name = f.field.split('.').pop() ?? f.field
      fields[name] = readableServerText(f.message) ?? t('errorCodes.invalid_field')
    }
    const known = e.code in ERROR_ACTIONS ? e.code : null
    if (known && CODE_FIELDS[known] && !fields[CODE_FIELDS[known]]) fields[CODE_FIELDS[known]] = t(`errorCodes.${known}`)
    if (known) return { code: known, message: t(`errorCodes.${known}`), action: ERROR_ACTIONS[known], fields }
    // A 4xx with its own code (e.g. invalid_name) explains itself best in the server's words, when readable.
    const own = e.status >= 400 && e.status < 500 ? readableServerText(e.message) : null
    const code = codeForStatus(e.status)
    if (own) return { code: e.code, message: own, action: null, fields }
    return { code, message: t(`errorCodes.${code}`), action: ERROR_ACTIONS[code] ?? null, fields }
  }
  // Not an API answer: a bug or a browser failure. Its text is for developers, not for the person.
  return { code: 'unexpected', message: t('errorCodes.unexpected'), action: 'retry', fields }
}

/** One sentence for any thrown value (error states, toasts). */
export function errorMessage(e: unknown): string {
  return explainError(e).message
}

/**
 * A run that failed on the WebSocket (`{"action": "error", "error": {code, message}}`): worded by its code;
 * an unknown code is an agent-side failure, shown in the server's words only when they are readable.
 */
export function streamErrorMessage(err: { code?: string; message?: string } | null | undefined, t: TFunction = i18n.t.bind(i18n) as TFunction): string {
  const code = err?.code ?? ''
  if (code in ERROR_ACTIONS) return t(`errorCodes.${code}`)
  return readableServerText(err?.message) ?? t('errorCodes.upstream_error')
}

/**
 * A recorded failure reason for administrators (an LLM's or agent's last check): the address and what
 * happened stay, exception class names go ("UpstreamFailed: http://x could not be reached: ConnectError"
 * → "http://x could not be reached").
 */
export function plainReason(text: string): string {
  const cleaned = text
    .replace(/(^|[\s(])[A-Z][A-Za-z]*(Error|Exception|Failed|Timeout)\b:?\s*/g, '$1')
    .replace(/[\s:;,.-]+$/, '')
    .trim()
  return cleaned || text
}
