/**
 * Look and feel: light/dark, the mode (development = pastel red, operation = pastel blue), language and
 * whether the navigation rail is expanded. Persisted in localStorage: none of it is sensitive.
 */
import { create } from 'zustand'
import { persist } from 'zustand/middleware'

export type ColorScheme = 'light' | 'dark'
export type WorkMode = 'development' | 'operation'
export type Language = 'en' | 'ko'

interface UiState {
  colorScheme: ColorScheme
  mode: WorkMode
  language: Language
  railExpanded: boolean
  tracePanelOpen: boolean
  /** The trace panel's width on wide screens, as the developer last dragged it. */
  tracePanelWidth: number
  setColorScheme(s: ColorScheme): void
  toggleColorScheme(): void
  setMode(m: WorkMode): void
  setLanguage(l: Language): void
  toggleRail(): void
  setTracePanelOpen(open: boolean): void
  setTracePanelWidth(width: number): void
}

/** The setup guide is open for a trace without calls and collapsed once calls arrive, unless the developer chose. */
export function traceGuideShown(choice: boolean | null, hasCalls: boolean): boolean {
  return choice ?? !hasCalls
}

export const TRACE_PANEL_MIN = 320
export const TRACE_PANEL_MAX = 760

/** Keeps a dragged width within what leaves the chat usable. */
export function clampTraceWidth(width: number): number {
  return Math.round(Math.min(TRACE_PANEL_MAX, Math.max(TRACE_PANEL_MIN, width)))
}

function systemScheme(): ColorScheme {
  if (typeof window === 'undefined' || !window.matchMedia) return 'light'
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

function browserLanguage(): Language {
  if (typeof navigator === 'undefined') return 'en'
  return navigator.language?.toLowerCase().startsWith('ko') ? 'ko' : 'en'
}

export const useUiStore = create<UiState>()(
  persist(
    (set) => ({
      colorScheme: systemScheme(),
      mode: 'development',
      language: browserLanguage(),
      railExpanded: true,
      tracePanelOpen: true,
      tracePanelWidth: 400,
      setColorScheme: (colorScheme) => set({ colorScheme }),
      toggleColorScheme: () => set((s) => ({ colorScheme: s.colorScheme === 'dark' ? 'light' : 'dark' })),
      setMode: (mode) => set({ mode }),
      setLanguage: (language) => set({ language }),
      toggleRail: () => set((s) => ({ railExpanded: !s.railExpanded })),
      setTracePanelOpen: (tracePanelOpen) => set({ tracePanelOpen }),
      setTracePanelWidth: (width) => set({ tracePanelWidth: clampTraceWidth(width) }),

    }),
    { name: 'a2g-ui' },
  ),
)

/**
 * The trace's setup guide as the developer last left it (null until they open or close it themselves),
 * in its own localStorage entry: it is the panel's reading state, not look and feel.
 */
export const useTraceGuideStore = create<{ open: boolean | null; setOpen(open: boolean): void }>()(
  persist((set) => ({ open: null, setOpen: (open) => set({ open }) }), { name: 'a2g-trace-guide' }),
)
