/**
 * Live trace entries per trace id: loaded from `/api/logs` and appended as the WebSocket pushes them,
 * de-duplicated by entry id (a reconnect may replay what the history already holds). An entry the server merged
 * into another (`trace.entry_removed`: an LLM span joined the log-proxy's entry of the same call) is dropped and
 * kept out, so a history page fetched before the merge cannot bring it back.
 *
 * Clear is undoable: the entries leave the view at once, but the server delete is sent only after
 * `CLEAR_UNDO_MS`, and only for what was made up to the newest entry shown (`up_to`), so a call arriving
 * meanwhile is neither hidden nor deleted. Undo within the delay puts everything back; nothing was sent.
 */
import { explainError, type ExplainedError } from '../lib/errors'
import { create } from 'zustand'
import { logsApi } from '../api/endpoints'
import { toTraceEntry } from '../api/normalize'
import type { TraceEntry } from '../api/types'
import type { ServerMessage, SocketState } from '../api/socket'

export const MAX_ENTRIES = 500
export const CLEAR_UNDO_MS = 8000

/** A clear waiting for its undo delay: what it hid, and up to when the server will delete. */
export interface PendingClear {
  hidden: TraceEntry[]
  upTo: string | null
}

interface TraceState {
  entries: Record<string, TraceEntry[]>
  loading: Record<string, boolean>
  errors: Record<string, ExplainedError | null>
  /** Per trace, the ids of entries merged into others: never shown again. */
  removed: Record<string, string[]>
  pendingClears: Record<string, PendingClear | undefined>
  /** Per trace, the agent whose calls alone are shown (null: all). */
  agentFilter: Record<string, string | null>
  connection: SocketState
  setConnection(s: SocketState): void
  loadHistory(traceId: string): Promise<void>
  /** The history read again, quietly (no loading state, errors ignored): see TracePanel's catch-up. */
  catchUp(traceId: string): Promise<void>
  add(entry: TraceEntry): void
  remove(traceId: string, entryId: string): void
  loadWhole(traceId: string, entryId: string): Promise<void>
  /** Hides the entries now and deletes them on the server after the undo delay. */
  clear(traceId: string): void
  undoClear(traceId: string): void
  /** Sends a pending clear at once (the delay's end, or leaving the app). */
  commitClear(traceId: string): Promise<void>
  setAgentFilter(traceId: string, agent: string | null): void
  handleServerMessage(msg: ServerMessage): void
}

const clearTimers = new Map<string, ReturnType<typeof setTimeout>>()

function newestTime(entries: TraceEntry[]): string | null {
  let best: string | null = null
  for (const e of entries) if (e.created_at && (best === null || Date.parse(e.created_at) > Date.parse(best))) best = e.created_at
  return best
}

/** Whether an entry was made at or before a clear's `up_to` (entries without a readable time count as older). */
export function clearedBy(entry: TraceEntry, upTo: string | null): boolean {
  if (upTo === null) return true
  const at = Date.parse(entry.created_at)
  return !Number.isFinite(at) || at <= Date.parse(upTo)
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function merge(existing: TraceEntry[], incoming: TraceEntry[], removed: string[] = []): TraceEntry[] {
  const byId = new Map<string, TraceEntry>()
  for (const e of existing) byId.set(e.entry_id || `${e.created_at}-${byId.size}`, e)
  for (const e of incoming) byId.set(e.entry_id || `${e.created_at}-${byId.size}`, e)
  for (const id of removed) byId.delete(id)
  const all = [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))
  return all.slice(-MAX_ENTRIES)
}

/**
 * The shown entries with a history page merged in: what a pending clear hid stays hidden (it is kept for the
 * undo) and entries merged into others stay out.
 */
function withHistory(s: TraceState, traceId: string, history: TraceEntry[]): TraceEntry[] {
  const pending = s.pendingClears[traceId]
  const shown = pending ? history.filter((e) => !pending.hidden.some((h) => h.entry_id === e.entry_id) && !clearedBy(e, pending.upTo)) : history
  return merge(s.entries[traceId] ?? [], shown, s.removed[traceId])
}

export const useTraceStore = create<TraceState>((set, get) => ({
  entries: {},
  loading: {},
  errors: {},
  removed: {},
  pendingClears: {},
  agentFilter: {},
  connection: 'idle',

  setConnection: (connection) => set({ connection }),

  async loadHistory(traceId) {
    if (!traceId) return
    set((s) => ({ loading: { ...s.loading, [traceId]: true }, errors: { ...s.errors, [traceId]: null } }))
    try {
      const history = await logsApi.list(traceId)
      set((s) => ({ entries: { ...s.entries, [traceId]: withHistory(s, traceId, history) } }))
    } catch (e) {
      set((s) => ({ errors: { ...s.errors, [traceId]: explainError(e) } }))
    } finally {
      set((s) => ({ loading: { ...s.loading, [traceId]: false } }))
    }
  },

  async catchUp(traceId) {
    if (!traceId) return
    try {
      const history = await logsApi.list(traceId)
      set((s) => ({ entries: { ...s.entries, [traceId]: withHistory(s, traceId, history) } }))
    } catch {
      // The live entries stay; the next reload shows the rest.
    }
  },

  add(entry) {
    const traceId = entry.trace_id
    if (!traceId) return
    const pending = get().pendingClears[traceId]
    if (pending && pending.hidden.some((h) => h.entry_id === entry.entry_id)) {
      // A hidden call changed (a running one finished): keep the newer version for an undo.
      set((s) => ({ pendingClears: { ...s.pendingClears, [traceId]: { ...pending, hidden: merge(pending.hidden, [entry]) } } }))
      return
    }
    set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], [entry], s.removed[traceId]) } }))
  },

  remove(traceId, entryId) {
    set((s) => ({
      // the newest few hundred ids are enough: an id is only ever re-sent by a history page fetched just before
      removed: { ...s.removed, [traceId]: [...(s.removed[traceId] ?? []).filter((id) => id !== entryId), entryId].slice(-MAX_ENTRIES) },
      entries: { ...s.entries, [traceId]: (s.entries[traceId] ?? []).filter((e) => e.entry_id !== entryId) },
    }))
  },

  async loadWhole(traceId, entryId) {
    // A shortened live entry is replaced by the stored one (same id) when the developer opens it.
    const whole = await logsApi.get(traceId, entryId)
    set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], [{ ...whole, truncated: undefined }], s.removed[traceId]) } }))
  },

  clear(traceId) {
    const shown = get().entries[traceId] ?? []
    const earlier = get().pendingClears[traceId]
    if (earlier) void get().commitClear(traceId) // a second Clear within the delay: the first one goes now
    const pending: PendingClear = { hidden: shown, upTo: newestTime(shown) }
    set((s) => ({
      entries: { ...s.entries, [traceId]: [] },
      pendingClears: { ...s.pendingClears, [traceId]: pending },
      errors: { ...s.errors, [traceId]: null },
    }))
    clearTimers.set(traceId, setTimeout(() => void get().commitClear(traceId), CLEAR_UNDO_MS))
  },

  undoClear(traceId) {
    const pending = get().pendingClears[traceId]
    clearTimeout(clearTimers.get(traceId))
    clearTimers.delete(traceId)
    if (!pending) return
    set((s) => ({
      entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], pending.hidden, s.removed[traceId]) },
      pendingClears: { ...s.pendingClears, [traceId]: undefined },
    }))
  },

  async commitClear(traceId) {
    const pending = get().pendingClears[traceId]
    clearTimeout(clearTimers.get(traceId))
    clearTimers.delete(traceId)
    if (!pending) return
    set((s) => ({ pendingClears: { ...s.pendingClears, [traceId]: undefined } }))
    if (!pending.hidden.length) return
    try {
      await logsApi.clear(traceId, pending.upTo ?? undefined)
    } catch (e) {
      // Not deleted: show the calls again (they are still stored) with the reason.
      set((s) => ({
        entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], pending.hidden, s.removed[traceId]) },
        errors: { ...s.errors, [traceId]: explainError(e) },
      }))
    }
  },

  setAgentFilter(traceId, agent) {
    set((s) => ({ agentFilter: { ...s.agentFilter, [traceId]: agent } }))
  },

  handleServerMessage(msg) {
    if (msg.type === 'trace.cleared' && typeof msg.trace_id === 'string') {
      // Cleared (here or in another tab): up to `up_to` when the clear said so, else everything.
      const traceId = msg.trace_id
      const upTo = typeof msg.up_to === 'string' ? msg.up_to : null
      set((s) => ({ entries: { ...s.entries, [traceId]: (s.entries[traceId] ?? []).filter((e) => !clearedBy(e, upTo)) } }))
      return
    }
    if (msg.type === 'trace.entry_removed') {
      // An LLM span's own entry was merged into the log-proxy's entry of the same call (pushed just before).
      const traceId = str(msg.trace_id)
      const id = str(msg.entry_id)
      if (traceId && id) get().remove(traceId, id)
      return
    }
    if (msg.type === 'trace.running') {
      // A call in flight: first its whole running entry, then `{entry_id, output_text, partial}` as its text
      // grows. The finished `trace.entry` (same id) replaces it; a late running push never undoes that.
      const payload = (msg.entry ?? {}) as Record<string, unknown>
      const traceId = str(payload.trace_id ?? msg.trace_id)
      const id = str(payload.entry_id)
      if (!traceId || !id) return
      const existing = (get().entries[traceId] ?? []).find((e) => e.entry_id === id)
      if (existing && existing.status !== 'running') return
      if (payload.partial === true) {
        if (!existing) return
        const text = typeof payload.output_text === 'string' ? payload.output_text : existing.output_text
        get().add({ ...existing, output_text: text })
        return
      }
      get().add(toTraceEntry({ ...payload, trace_id: traceId }))
      return
    }
    if (msg.type === 'trace.entry' || msg.type === 'trace_entry' || msg.type === 'log') {
      const payload = (msg.entry ?? msg.log ?? msg) as Record<string, unknown>
      const entry = toTraceEntry({ ...payload, trace_id: payload.trace_id ?? msg.trace_id })
      get().add(entry)
    }
  },
}))
