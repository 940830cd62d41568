import { describe, expect, it } from 'vitest'
import { presetOf, presetPeriod } from './period'

describe('admin periods', () => {
  const today = new Date(2026, 2, 5) // 5 March 2026, local time

  it('counts today as the last of the N days, across month ends', () => {
    expect(presetPeriod(7, today)).toEqual({ from: '2026-02-27', to: '2026-03-05' })
    expect(presetPeriod(30, today)).toEqual({ from: '2026-02-04', to: '2026-03-05' })
    expect(presetPeriod(90, today)).toEqual({ from: '2025-12-06', to: '2026-03-05' })
  })

  it('recognises a preset picked by hand, and nothing else', () => {
    expect(presetOf({ from: '2026-02-27', to: '2026-03-05' }, today)).toBe(7)
    expect(presetOf({ from: '2026-02-28', to: '2026-03-05' }, today)).toBeNull()
    expect(presetOf({ from: '2026-02-27', to: '2026-03-04' }, today)).toBeNull()
  })
})
