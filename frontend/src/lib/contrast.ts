/**
 * WCAG contrast: relative luminance, contrast ratio, and the nearest colour of the same hue that reaches a
 * ratio against a background (for agents' own colours and the code highlighter's tokens, which come from
 * outside the design system).
 */

type Rgb = [number, number, number]

function hslToRgb(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))
  return [f(0) * 255, f(8) * 255, f(4) * 255]
}

function rgbToHsl([r, g, b]: Rgb): [number, number, number] {
  const [R, G, B] = [r / 255, g / 255, b / 255]
  const max = Math.max(R, G, B)
  const min = Math.min(R, G, B)
  const l = (max + min) / 2
  if (max === min) return [0, 0, l]
  const d = max - min
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min)
  const h = max === R ? (G - B) / d + (G < B ? 6 : 0) : max === G ? (B - R) / d + 2 : (R - G) / d + 4
  return [h * 60, s, l]
}

/** #rgb, #rrggbb, rgb(), hsl(); null for anything else (named colours, inherit, translucent colours). */
export function parseColor(value: string): Rgb | null {
  const v = value.trim().toLowerCase()
  let m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(v)
  if (m) {
    const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1]
    return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)]
  }
  m = /^rgb\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)\s*\)$/.exec(v)
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])]
  m = /^hsl\(\s*([\d.]+)(?:deg)?[,\s]+([\d.]+)%[,\s]+([\d.]+)%\s*\)$/.exec(v)
  if (m) return hslToRgb(Number(m[1]), Number(m[2]) / 100, Number(m[3]) / 100)
  return null
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.max(0, Math.min(255, c))).toString(16).padStart(2, '0')).join('')}`
}

export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

export function contrastRatio(a: string, b: string): number {
  const ca = parseColor(a)
  const cb = parseColor(b)
  if (!ca || !cb) return 1
  const [hi, lo] = [luminance(ca), luminance(cb)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

/** The colour itself when it reaches `min` against `background`, else the same hue darkened (on a light
 * background) or lightened (on a dark one) just enough. Unparseable colours come back unchanged. */
export function ensureContrast(color: string, background: string, min = 4.5): string {
  const rgb = parseColor(color)
  const bg = parseColor(background)
  if (!rgb || !bg) return color
  if (contrastRatio(color, background) >= min) return color
  const [h, s, l] = rgbToHsl(rgb)
  const darker = luminance(bg) > 0.18
  for (let step = 1; step <= 100; step++) {
    const next = Math.max(0, Math.min(1, darker ? l - step / 100 : l + step / 100))
    const candidate = toHex(hslToRgb(h, s, next))
    if (contrastRatio(candidate, background) >= min) return candidate
  }
  return darker ? '#000000' : '#ffffff'
}

/** Dark or white text, whichever reads better on `background`. */
export function textOn(background: string): string {
  return contrastRatio('#1f1f1f', background) >= contrastRatio('#ffffff', background) ? '#1f1f1f' : '#ffffff'
}

/** A react-syntax-highlighter style whose token colours all reach AA on `background`. */
export function accessibleCodeStyle<T extends object>(style: T, background: string): T {
  const out: Record<string, unknown> = {}
  for (const [selector, rules] of Object.entries(style as Record<string, { color?: unknown }>)) {
    const color = rules.color
    out[selector] = typeof color === 'string' ? { ...rules, color: ensureContrast(color, background) } : rules
  }
  return out as T
}
