/** Small display helpers shared by pages. */

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`
}

/** A time of day; with seconds for logs (the trace), without for people (a chat message, as Gemini shows it). */
export function formatTime(iso: string | undefined, locale?: string, { seconds = true }: { seconds?: boolean } = {}): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleTimeString(locale, seconds ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: 'numeric', minute: '2-digit' })
}

/** A date and time; `utc` for pages whose periods are UTC days (the audit log), so an event never seems to
 * fall outside the days it was listed for. */
export function formatDateTime(iso: string | undefined, locale?: string, { utc = false }: { utc?: boolean } = {}): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const zone = utc ? { timeZone: 'UTC', timeZoneName: 'short' as const } : {}
  return d.toLocaleString(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...zone })
}

/** "today", "yesterday" or a date, for grouping chat sessions. */
export function relativeDay(iso: string | undefined, now = new Date()): 'today' | 'yesterday' | 'earlier' {
  if (!iso) return 'earlier'
  const d = new Date(iso)
  const startToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime()
  if (d.getTime() >= startToday) return 'today'
  if (d.getTime() >= startToday - 86_400_000) return 'yesterday'
  return 'earlier'
}

export function prettyJson(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2)
    } catch {
      return v
    }
  }
  return JSON.stringify(v, null, 2)
}

/** Both ends are ISO dates (YYYY-MM-DD), so they compare as strings; an empty end is left to the server. */
export function isValidRange(from: string, to: string): boolean {
  return !from || !to || from <= to
}

/** How long an answer took, from the question's time to the answer's; null when either is unknown. */
export function answerDuration(askedAt: string | undefined, answeredAt: string | undefined): string | null {
  if (!askedAt || !answeredAt) return null
  const ms = Date.parse(answeredAt) - Date.parse(askedAt)
  if (!Number.isFinite(ms) || ms < 0) return null
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
