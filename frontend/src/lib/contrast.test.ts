import { describe, expect, it } from 'vitest'
import oneLight from 'react-syntax-highlighter/dist/esm/styles/prism/one-light'
import oneDark from 'react-syntax-highlighter/dist/esm/styles/prism/one-dark'
import { accessibleCodeStyle, contrastRatio, ensureContrast, parseColor, textOn } from './contrast'
import { MODE_PALETTES, SURFACES } from '../theme'

describe('contrast', () => {
  it('computes WCAG ratios', () => {
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 0)
    expect(contrastRatio('#fff', '#fff')).toBeCloseTo(1, 5)
    expect(contrastRatio('#D9534F', '#ffffff')).toBeCloseTo(3.96, 1) // the old development button
    expect(parseColor('hsl(119, 34%, 47%)')).not.toBeNull()
    expect(parseColor('inherit')).toBeNull()
  })

  it('moves a colour just far enough to read, and leaves a readable one alone', () => {
    expect(ensureContrast('#1f1f1f', '#ffffff')).toBe('#1f1f1f')
    const fixed = ensureContrast('hsl(119, 34%, 47%)', '#fafafa')
    expect(contrastRatio(fixed, '#fafafa')).toBeGreaterThanOrEqual(4.5)
    expect(contrastRatio(fixed, '#fafafa')).toBeLessThan(5.5)
    const light = ensureContrast('hsl(220, 10%, 40%)', '#282c34')
    expect(contrastRatio(light, '#282c34')).toBeGreaterThanOrEqual(4.5)
  })

  it('picks the readable text for an agent colour', () => {
    expect(textOn('#4f46e5')).toBe('#ffffff')
    expect(textOn('#FBBC04')).toBe('#1f1f1f')
  })

  it('makes every token of the code themes readable on their backgrounds', () => {
    for (const [style, bg] of [[oneLight, '#fafafa'], [oneDark, '#282c34']] as const) {
      const fixed = accessibleCodeStyle(style, bg) as Record<string, { color?: unknown }>
      for (const rules of Object.values(fixed)) {
        if (typeof rules.color === 'string' && parseColor(rules.color)) expect(contrastRatio(rules.color, bg)).toBeGreaterThanOrEqual(4.5)
      }
    }
  })

  it('keeps the design system at AA: accents with their text and on the page, tints with theirs', () => {
    for (const mode of ['development', 'operation'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const m = MODE_PALETTES[mode][scheme]
        const s = SURFACES[scheme]
        expect(contrastRatio(m.accent, m.onAccent)).toBeGreaterThanOrEqual(4.5)
        expect(contrastRatio(m.accent, s.page)).toBeGreaterThanOrEqual(4.5)
        expect(contrastRatio(m.onTint, m.tint)).toBeGreaterThanOrEqual(4.5)
        expect(contrastRatio(m.onTint, m.tintStrong)).toBeGreaterThanOrEqual(4.5)
        expect(contrastRatio(s.muted, s.page)).toBeGreaterThanOrEqual(4.5)
        expect(contrastRatio(s.muted, s.raised)).toBeGreaterThanOrEqual(4.5)
      }
    }
    // development's accent is not a red: a focused or chosen control never looks like an error
    for (const scheme of ['light', 'dark'] as const) {
      const [r, g, b] = parseColor(MODE_PALETTES.development[scheme].accent) as number[]
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThan(24)
    }
  })
})
