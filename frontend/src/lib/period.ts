/** The admin pages' periods: the last 7, 30 or 90 days (today included), or any two dates. */
import { isoDate } from './format'

export const PERIOD_PRESETS = [7, 30, 90] as const
export type PeriodPreset = (typeof PERIOD_PRESETS)[number]

export interface Period {
  from: string
  to: string
}

export function presetPeriod(days: number, today = new Date()): Period {
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1))
  return { from: isoDate(first), to: isoDate(today) }
}

/** Which preset a period is, if any (so its button shows as chosen after picking the same dates by hand). */
export function presetOf(period: Period, today = new Date()): PeriodPreset | null {
  return PERIOD_PRESETS.find((d) => {
    const p = presetPeriod(d, today)
    return p.from === period.from && p.to === period.to
  }) ?? null
}
