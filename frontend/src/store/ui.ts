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
  setColorScheme(s: ColorScheme): void
  toggleColorScheme(): void
  setMode(m: WorkMode): void
  setLanguage(l: Language): void
  toggleRail(): void
  setTracePanelOpen(open: boolean): void
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
      setColorScheme: (colorScheme) => set({ colorScheme }),
      toggleColorScheme: () => set((s) => ({ colorScheme: s.colorScheme === 'dark' ? 'light' : 'dark' })),
      setMode: (mode) => set({ mode }),
      setLanguage: (language) => set({ language }),
      toggleRail: () => set((s) => ({ railExpanded: !s.railExpanded })),
      setTracePanelOpen: (tracePanelOpen) => set({ tracePanelOpen }),
    }),
    { name: 'a2g-ui' },
  ),
)
