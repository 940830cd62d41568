/**
 * The design system: Gemini-like neutral surfaces, rounded shapes and generous spacing, tinted by the work
 * mode so people always know where they are — development is pastel red, operation is pastel blue.
 *
 * The mode's pastel is a surface (top bar, selected navigation, chips) and never what a control looks like
 * when it is focused or chosen: red means an error and nothing else. So development's accent (buttons, links,
 * focus rings) is a neutral ink, operation's a deep blue; every accent passes WCAG AA (4.5:1) with the text
 * on it and against the page, and every tint with its own text.
 */
import { createTheme, type Theme } from '@mui/material/styles'
import type { ColorScheme, WorkMode } from './store/ui'

export interface ModePalette {
  /** Buttons, links, focus rings. */
  accent: string
  /** Text/icons on the accent. */
  onAccent: string
  /** The top bar and selected navigation items. */
  tint: string
  /** A stronger tint for chips and hover. */
  tintStrong: string
  /** Text on the tint. */
  onTint: string
  /** The mode's own colour, for small marks only (a dot, a stripe): never text, never a control's state. */
  mode: string
}

/**
 * The type scale (rem, 16 px base): a display size for empty states and page titles, three heading sizes,
 * body text at 16/15 px with room to read, and small text that stays legible in Korean (12 px minimum).
 */
export const TYPE_SCALE = {
  h1: { fontSize: '2rem', lineHeight: 1.25, fontWeight: 600, letterSpacing: '-0.02em' },
  h2: { fontSize: '1.625rem', lineHeight: 1.3, fontWeight: 600, letterSpacing: '-0.015em' },
  h3: { fontSize: '1.375rem', lineHeight: 1.35, fontWeight: 600, letterSpacing: '-0.01em' },
  h4: { fontSize: '1.5rem', lineHeight: 1.3, fontWeight: 600, letterSpacing: '-0.015em' },
  h5: { fontSize: '1.25rem', lineHeight: 1.35, fontWeight: 600, letterSpacing: '-0.01em' },
  h6: { fontSize: '1.0625rem', lineHeight: 1.4, fontWeight: 600 },
  subtitle1: { fontSize: '1rem', lineHeight: 1.5, fontWeight: 500 },
  subtitle2: { fontSize: '0.875rem', lineHeight: 1.45, fontWeight: 600 },
  body1: { fontSize: '1rem', lineHeight: 1.6 },
  body2: { fontSize: '0.9375rem', lineHeight: 1.55 },
  caption: { fontSize: '0.75rem', lineHeight: 1.45, letterSpacing: '0.01em' },
  overline: { fontSize: '0.75rem', lineHeight: 1.5, fontWeight: 600, letterSpacing: '0.06em' },
  button: { fontSize: '0.9375rem', lineHeight: 1.5, fontWeight: 500, textTransform: 'none' as const },
}

/** Inter for Latin text, Noto Sans KR for Hangul (both bundled from npm, see main.tsx), then the system's. */
export const FONT_FAMILY = '"Inter Variable", "Noto Sans KR Variable", "Segoe UI", system-ui, -apple-system, sans-serif'
export const MONO_FAMILY = '"SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace'

export const MODE_PALETTES: Record<WorkMode, Record<ColorScheme, ModePalette>> = {
  development: {
    light: { accent: '#2B2D31', onAccent: '#FFFFFF', tint: '#FCEAE8', tintStrong: '#F6D2CE', onTint: '#7A1F1A', mode: '#E4827A' },
    dark: { accent: '#E8EAED', onAccent: '#1F1F1F', tint: '#33201F', tintStrong: '#4D2B29', onTint: '#FFDAD6', mode: '#E8958E' },
  },
  operation: {
    light: { accent: '#0B57D0', onAccent: '#FFFFFF', tint: '#E3EDFD', tintStrong: '#C9DBFB', onTint: '#0842A0', mode: '#6F9BEA' },
    dark: { accent: '#A8C7FA', onAccent: '#062E6F', tint: '#1D2A40', tintStrong: '#27406A', onTint: '#D3E3FD', mode: '#7FA7F0' },
  },
}

export const SURFACES: Record<ColorScheme, { page: string; surface: string; rail: string; raised: string; border: string; text: string; muted: string }> = {
  light: { page: '#F8FAFD', surface: '#FFFFFF', rail: '#F0F4F9', raised: '#E9EEF6', border: '#DDE3EA', text: '#1F1F1F', muted: '#5E6368' },
  dark: { page: '#131314', surface: '#1E1F20', rail: '#1B1C1D', raised: '#282A2C', border: '#3C4043', text: '#E3E3E3', muted: '#A8ABAF' },
}

export function buildTheme(scheme: ColorScheme, mode: WorkMode): Theme {
  const m = MODE_PALETTES[mode][scheme]
  const s = SURFACES[scheme]
  return createTheme({
    palette: {
      mode: scheme,
      primary: { main: m.accent, contrastText: m.onAccent },
      secondary: { main: scheme === 'light' ? '#7C5CC4' : '#C58AF9' },
      background: { default: s.page, paper: s.surface },
      text: { primary: s.text, secondary: s.muted },
      divider: s.border,
      success: { main: scheme === 'light' ? '#188038' : '#81C995' },
      error: { main: scheme === 'light' ? '#B3261E' : '#F2B8B5' },
      warning: { main: scheme === 'light' ? '#8A5300' : '#F5C16C' },
      info: { main: scheme === 'light' ? '#0B57D0' : '#A8C7FA' },
    },
    shape: { borderRadius: 12 },
    typography: { fontFamily: FONT_FAMILY, ...TYPE_SCALE },
    transitions: { duration: { shortest: 120, shorter: 160, short: 200, standard: 240, complex: 300, enteringScreen: 220, leavingScreen: 180 } },
    components: {
      MuiButton: {
        defaultProps: { disableElevation: true },
        styleOverrides: { root: { borderRadius: 999, paddingInline: 18 } },
      },
      MuiIconButton: { styleOverrides: { root: { borderRadius: 999 } } },
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { backgroundImage: 'none' } } },
      MuiCard: { styleOverrides: { root: { borderRadius: 20, border: `1px solid ${s.border}` } } },
      MuiDialog: { styleOverrides: { paper: { borderRadius: 24 } } },
      MuiChip: { styleOverrides: { root: { borderRadius: 8, fontWeight: 500 } } },
      // One skeleton look everywhere: a soft wave over rounded blocks the shape of what is loading.
      MuiSkeleton: { defaultProps: { animation: 'wave' }, styleOverrides: { rounded: { borderRadius: 12 }, text: { borderRadius: 6 } } },
      MuiCssBaseline: { styleOverrides: { code: { fontFamily: MONO_FAMILY } } },
      MuiTooltip: { defaultProps: { arrow: true } },
      MuiOutlinedInput: { styleOverrides: { root: { borderRadius: 12 } } },
      MuiTableCell: { styleOverrides: { root: { borderColor: s.border } } },
    },
  })
}

/** The same colours as CSS variables, for Tailwind classes such as `bg-[var(--a2g-tint)]`. */
export function cssVariables(scheme: ColorScheme, mode: WorkMode): Record<string, string> {
  const m = MODE_PALETTES[mode][scheme]
  const s = SURFACES[scheme]
  return {
    '--a2g-accent': m.accent,
    '--a2g-on-accent': m.onAccent,
    '--a2g-tint': m.tint,
    '--a2g-tint-strong': m.tintStrong,
    '--a2g-on-tint': m.onTint,
    '--a2g-mode': m.mode,
    '--a2g-font': FONT_FAMILY,
    '--a2g-mono': MONO_FAMILY,
    '--a2g-page': s.page,
    '--a2g-surface': s.surface,
    '--a2g-rail': s.rail,
    '--a2g-raised': s.raised,
    '--a2g-border': s.border,
    '--a2g-text': s.text,
    '--a2g-muted': s.muted,
  }
}
