/**
 * The typed client generated from the platform's OpenAPI document: `schema.d.ts` is generated at build time
 * (`npm run generate`, part of `npm run build` / `typecheck`) from `openapi.json`, which `tools/export_openapi.py`
 * exports from the functions' own apps. `call()` takes a path exactly as the document writes it and its method,
 * and types the path parameters, the query, the body and the answer from the document, so a route or model
 * that changes on the server fails `tsc` here (and the drift test fails until the document is re-exported).
 *
 * Requests go through `request()` (client.ts): the access token, one refresh-and-retry on 401, `ApiError`.
 */
import { request } from './client'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** The methods a path answers (the generator writes the others as `?: never`). */
type MethodsOf<P extends keyof paths> = {
  [M in Method]: paths[P][M] extends { responses: unknown } ? M : never
}[Method]

type Operation<P extends keyof paths, M extends Method> = paths[P][M] extends infer O
  ? O extends { responses: unknown }
    ? O
    : never
  : never

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : undefined

/** The JSON of the operation's success answer (200, 201, or nothing for 204). */
export type Answer<P extends keyof paths, M extends MethodsOf<P>> =
  Operation<P, M>['responses'] extends infer R
    ? R extends { 200: infer S }
      ? JsonOf<S>
      : R extends { 201: infer S }
        ? JsonOf<S>
        : undefined
    : never

type PathParams<O> = O extends { parameters: { path: infer PP } } ? (PP extends Record<string, unknown> ? PP : never) : never
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : never
type BodyOf<O> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never

type Params<O> = ([PathParams<O>] extends [never] ? { path?: never } : { path: PathParams<O> }) & {
  query?: QueryOf<O>
  body?: BodyOf<O>
  /** Sign-in and refresh themselves: no bearer token, no refresh-on-401. */
  anonymous?: boolean
  signal?: AbortSignal
}

/** `/api/my-agents/{agent_id}` with `{agent_id: 'a/b'}` → `/api/my-agents/a%2Fb`. */
export function fillPath(template: string, params?: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name]
    if (value === undefined || value === null || value === '') throw new Error(`missing path parameter ${name}`)
    return encodeURIComponent(String(value))
  })
}

export function call<P extends keyof paths, M extends MethodsOf<P>>(
  method: M,
  path: P,
  ...[params]: [PathParams<Operation<P, M>>] extends [never] ? [Params<Operation<P, M>>?] : [Params<Operation<P, M>>]
): Promise<Answer<P, M>> {
  const p = (params ?? {}) as { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; anonymous?: boolean; signal?: AbortSignal }
  return request<Answer<P, M>>(fillPath(path as string, p.path), {
    method: method.toUpperCase(),
    body: p.body,
    query: p.query as Record<string, string | number | boolean | undefined | null> | undefined,
    anonymous: p.anonymous,
    signal: p.signal,
  })
}
