/**
 * A key the user created in this tab, kept in memory so the trace-capture panel can show it in full: the
 * server shows a key once and stores only its hash.
 */
import { create } from 'zustand'
import type { CreatedApiKey } from '../api/types'

interface KeyState {
  lastCreated: CreatedApiKey | null
  remember(key: CreatedApiKey): void
  forget(keyId: string): void
}

export const useKeyStore = create<KeyState>((set) => ({
  lastCreated: null,
  remember: (lastCreated) => set({ lastCreated }),
  forget: (keyId) => set((s) => (s.lastCreated?.key_id === keyId ? { lastCreated: null } : s)),
}))
