/**
 * The admin pages' periods: the last 7, 30 or 90 days (today included), or any two dates.
 *
 * Days are UTC days: the server counts usage in UTC days and reads `from`/`to` as whole UTC days (the
 * statistics counters and the audit log alike), so "today" here is today in UTC, not the browser's date.
 * Otherwise a browser east of UTC in its morning (Seoul before 09:00) would ask for a day the server has
 * not started, and a "last 7 days" preset would cover a different week than the one counted. The picker
 * says so next to the dates.
 */
export const PERIOD_PRESETS = [7, 30, 90] as const
export type PeriodPreset = (typeof PERIOD_PRESETS)[number]

export interface Period {
  from: string
  to: string
}

/** A moment's UTC day as YYYY-MM-DD. */
export function utcDay(moment: Date): string {
  return moment.toISOString().slice(0, 10)
}

export function presetPeriod(days: number, now = new Date()): Period {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)))
  return { from: utcDay(first), to: utcDay(now) }
}

/** Which preset a period is, if any (so its button shows as chosen after picking the same dates by hand). */
export function presetOf(period: Period, now = new Date()): PeriodPreset | null {
  return PERIOD_PRESETS.find((d) => {
    const p = presetPeriod(d, now)
    return p.from === period.from && p.to === period.to
  }) ?? null
}
