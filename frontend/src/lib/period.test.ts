import { afterEach, describe, expect, it, vi } from 'vitest'
import { presetOf, presetPeriod } from './period'

describe('admin periods', () => {
  const now = new Date(Date.UTC(2026, 2, 5, 12)) // 5 March 2026, noon UTC

  it('counts today as the last of the N days, across month ends', () => {
    expect(presetPeriod(7, now)).toEqual({ from: '2026-02-27', to: '2026-03-05' })
    expect(presetPeriod(30, now)).toEqual({ from: '2026-02-04', to: '2026-03-05' })
    expect(presetPeriod(90, now)).toEqual({ from: '2025-12-06', to: '2026-03-05' })
  })

  it('uses the UTC day the server counts, not the browser date, on either side of midnight', () => {
    // 01:30 on 6 March in Seoul is still 5 March in UTC; 20:00 on 4 March in Los Angeles is 5 March in UTC.
    expect(presetPeriod(7, new Date('2026-03-06T01:30:00+09:00'))).toEqual({ from: '2026-02-27', to: '2026-03-05' })
    expect(presetPeriod(7, new Date('2026-03-04T20:00:00-08:00'))).toEqual({ from: '2026-02-27', to: '2026-03-05' })
    // The first and last instants of a UTC day.
    expect(presetPeriod(1, new Date('2026-03-05T00:00:00Z'))).toEqual({ from: '2026-03-05', to: '2026-03-05' })
    expect(presetPeriod(1, new Date('2026-03-05T23:59:59.999Z'))).toEqual({ from: '2026-03-05', to: '2026-03-05' })
  })

  it('recognises a preset picked by hand, and nothing else', () => {
    expect(presetOf({ from: '2026-02-27', to: '2026-03-05' }, now)).toBe(7)
    expect(presetOf({ from: '2026-02-28', to: '2026-03-05' }, now)).toBeNull()
    expect(presetOf({ from: '2026-02-27', to: '2026-03-04' }, now)).toBeNull()
  })

  describe('with the clock and zone of the browser', () => {
    afterEach(() => vi.useRealTimers())
    it('defaults to now, read as UTC', () => {
      vi.useFakeTimers()
      vi.setSystemTime(new Date('2026-03-06T01:30:00+09:00'))
      expect(presetPeriod(30).to).toBe('2026-03-05')
      expect(presetOf(presetPeriod(90))).toBe(90)
    })
  })
})

describe('times on pages of UTC days', () => {
  it('shows an event in UTC, on the day it was listed for', async () => {
    const { formatDateTime } = await import('./format')
    // 18:58 UTC on 2 Dec is 03:58 on 3 Dec in Seoul: in a period ending 2 Dec it must read as 2 Dec.
    const shown = formatDateTime('2026-12-02T18:58:00Z', 'en-US', { utc: true })
    expect(shown).toContain('Dec 2, 2026')
    expect(shown).toContain('UTC')
  })
})
