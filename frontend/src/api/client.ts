/**
 * The one HTTP client: same-origin JSON calls with the in-memory access token, one refresh-and-retry on 401,
 * and the platform's error body (`{"error": {"code", "message", "fields"?}}`) turned into `ApiError`.
 */

export interface FieldError {
  field: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: FieldError[]

  constructor(status: number, code: string, message: string, fields: FieldError[] = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
  }

  /** The message for one form field (the server's `fields[].field` may be dotted: `endpoint.base_url`). */
  fieldMessage(field: string): string | undefined {
    const hit = this.fields.find((f) => f.field === field || f.field.split('.').pop() === field)
    return hit?.message
  }
}

/** How the client reaches the auth state without importing the store (keeps this module testable). */
export interface TokenSource {
  getToken(): string | null
  /** Gets a new access token from the refresh cookie; null when the session is over. */
  refresh(): Promise<string | null>
  /** Called when a refresh failed: the user must sign in again. */
  onSignedOut(): void
}

let tokenSource: TokenSource = {
  getToken: () => null,
  refresh: async () => null,
  onSignedOut: () => undefined,
}

export function setTokenSource(source: TokenSource): void {
  tokenSource = source
}

export interface RequestOptions {
  method?: string
  body?: unknown
  query?: Record<string, string | number | boolean | undefined | null>
  /** Skip the bearer token and the refresh-on-401 dance (sign-in and refresh themselves). */
  anonymous?: boolean
  signal?: AbortSignal
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

async function parseError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    /* not JSON: fall through to a generic message */
  }
  const err = (body as { error?: { code?: string; message?: string; fields?: FieldError[]; details?: { fields?: FieldError[] } } } | null)?.error
  if (err) {
    const fields = err.fields ?? err.details?.fields ?? []
    return new ApiError(res.status, err.code ?? 'error', err.message ?? res.statusText, fields)
  }
  const detail = (body as { detail?: unknown } | null)?.detail
  return new ApiError(res.status, 'http_error', typeof detail === 'string' ? detail : `${res.status} ${res.statusText}`)
}

async function send(path: string, opts: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`
  return fetch(buildUrl(path, opts.query), {
    method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'),
    headers,
    body,
    credentials: 'same-origin',
    signal: opts.signal,
  })
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  let res: Response
  try {
    res = await send(path, opts, tokenSource.getToken())
    if (res.status === 401 && !opts.anonymous) {
      const fresh = await tokenSource.refresh()
      if (!fresh) {
        tokenSource.onSignedOut()
        throw await parseError(res)
      }
      res = await send(path, opts, fresh)
      if (res.status === 401) tokenSource.onSignedOut()
    }
  } catch (e) {
    if (e instanceof ApiError || (e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.')
  }
  if (!res.ok) throw await parseError(res)
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** Human text for any thrown value, for error states. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}
