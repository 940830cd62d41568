/**
 * Live trace entries per trace id: loaded from `/api/logs` and appended as the WebSocket pushes them,
 * de-duplicated by entry id (a reconnect may replay what the history already holds).
 */
import { errorMessage } from '../lib/errors'
import { create } from 'zustand'
import { logsApi } from '../api/endpoints'
import { toTraceEntry } from '../api/normalize'
import type { TraceEntry } from '../api/types'
import type { ServerMessage, SocketState } from '../api/socket'

export const MAX_ENTRIES = 500

interface TraceState {
  entries: Record<string, TraceEntry[]>
  loading: Record<string, boolean>
  errors: Record<string, string | null>
  connection: SocketState
  setConnection(s: SocketState): void
  loadHistory(traceId: string): Promise<void>
  /** The history read again, quietly (no loading state, errors ignored): see TracePanel's catch-up. */
  catchUp(traceId: string): Promise<void>
  add(entry: TraceEntry): void
  loadWhole(traceId: string, entryId: string): Promise<void>
  clear(traceId: string): Promise<void>
  handleServerMessage(msg: ServerMessage): void
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function merge(existing: TraceEntry[], incoming: TraceEntry[]): TraceEntry[] {
  const byId = new Map<string, TraceEntry>()
  for (const e of existing) byId.set(e.entry_id || `${e.created_at}-${byId.size}`, e)
  for (const e of incoming) byId.set(e.entry_id || `${e.created_at}-${byId.size}`, e)
  const all = [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))
  return all.slice(-MAX_ENTRIES)
}

export const useTraceStore = create<TraceState>((set, get) => ({
  entries: {},
  loading: {},
  errors: {},
  connection: 'idle',

  setConnection: (connection) => set({ connection }),

  async loadHistory(traceId) {
    if (!traceId) return
    set((s) => ({ loading: { ...s.loading, [traceId]: true }, errors: { ...s.errors, [traceId]: null } }))
    try {
      const history = await logsApi.list(traceId)
      set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], history) } }))
    } catch (e) {
      set((s) => ({ errors: { ...s.errors, [traceId]: errorMessage(e) } }))
    } finally {
      set((s) => ({ loading: { ...s.loading, [traceId]: false } }))
    }
  },

  async catchUp(traceId) {
    if (!traceId) return
    try {
      const history = await logsApi.list(traceId)
      set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], history) } }))
    } catch {
      // The live entries stay; the next reload shows the rest.
    }
  },

  add(entry) {
    const traceId = entry.trace_id
    if (!traceId) return
    set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], [entry]) } }))
  },

  async loadWhole(traceId, entryId) {
    // A shortened live entry is replaced by the stored one (same id) when the developer opens it.
    const whole = await logsApi.get(traceId, entryId)
    set((s) => ({ entries: { ...s.entries, [traceId]: merge(s.entries[traceId] ?? [], [{ ...whole, truncated: undefined }]) } }))
  },

  async clear(traceId) {
    // Clearing the view always works; clearing the stored history is best effort (it may not be ours to delete).
    set((s) => ({ entries: { ...s.entries, [traceId]: [] } }))
    try {
      await logsApi.clear(traceId)
    } catch (e) {
      set((s) => ({ errors: { ...s.errors, [traceId]: errorMessage(e) } }))
    }
  },

  handleServerMessage(msg) {
    if (msg.type === 'trace.cleared' && typeof msg.trace_id === 'string') {
      const traceId = msg.trace_id
      set((s) => ({ entries: { ...s.entries, [traceId]: [] } }))
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
