/**
 * The design system: Gemini-like neutral surfaces, rounded shapes and generous spacing, tinted by the work
 * mode so people always know where they are — development is pastel red, operation is pastel blue.
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
}

export const MODE_PALETTES: Record<WorkMode, Record<ColorScheme, ModePalette>> = {
  development: {
    light: { accent: '#D9534F', onAccent: '#ffffff', tint: '#FDE7E6', tintStrong: '#F9CFCC', onTint: '#8C1D18' },
    dark: { accent: '#F28B82', onAccent: '#3B0907', tint: '#3A2222', tintStrong: '#5A2E2B', onTint: '#FFDAD6' },
  },
  operation: {
    light: { accent: '#3B78E7', onAccent: '#ffffff', tint: '#E3EDFD', tintStrong: '#C9DBFB', onTint: '#0B3D91' },
    dark: { accent: '#8AB4F8', onAccent: '#062E6F', tint: '#1D2A40', tintStrong: '#27406A', onTint: '#D3E3FD' },
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
      error: { main: scheme === 'light' ? '#C5221F' : '#F28B82' },
    },
    shape: { borderRadius: 14 },
    typography: {
      fontFamily: '"Google Sans", Inter, "Segoe UI", Roboto, "Noto Sans KR", "Apple SD Gothic Neo", system-ui, sans-serif',
      h4: { fontWeight: 500, letterSpacing: '-0.01em' },
      h5: { fontWeight: 500, letterSpacing: '-0.01em' },
      h6: { fontWeight: 500 },
      button: { textTransform: 'none', fontWeight: 500 },
    },
    components: {
      MuiButton: {
        defaultProps: { disableElevation: true },
        styleOverrides: { root: { borderRadius: 999, paddingInline: 18 } },
      },
      MuiIconButton: { styleOverrides: { root: { borderRadius: 999 } } },
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { backgroundImage: 'none' } } },
      MuiCard: { styleOverrides: { root: { borderRadius: 20, border: `1px solid ${s.border}` } } },
      MuiDialog: { styleOverrides: { paper: { borderRadius: 24 } } },
      MuiChip: { styleOverrides: { root: { borderRadius: 8 } } },
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
    '--a2g-page': s.page,
    '--a2g-surface': s.surface,
    '--a2g-rail': s.rail,
    '--a2g-raised': s.raised,
    '--a2g-border': s.border,
    '--a2g-text': s.text,
    '--a2g-muted': s.muted,
  }
}
