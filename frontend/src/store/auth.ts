/**
 * Who is signed in. The access token lives only in memory (never localStorage, so a script injected into
 * the page cannot read a long-lived credential); the refresh token is an HttpOnly cookie the server owns.
 */
import { create } from 'zustand'
import { setTokenSource } from '../api/client'
import { authApi } from '../api/endpoints'
import type { User } from '../api/types'

export type AuthStatus = 'unknown' | 'signed_out' | 'signed_in'

interface AuthState {
  status: AuthStatus
  token: string | null
  /** Epoch ms when `token` expires (null: unknown). */
  expiresAt: number | null
  user: User | null
  /** The token if it stays valid for at least a minute, else a refreshed one (refresh tokens rotate: never refresh needlessly). */
  validToken(): Promise<string | null>
  /** Restores a session from the refresh cookie on page load. */
  bootstrap(): Promise<void>
  devSignIn(username: string, team: string): Promise<User>
  signOut(): Promise<void>
  /** One refresh at a time: concurrent 401s share it. */
  refreshToken(): Promise<string | null>
  setUser(user: User): void
  clear(): void
}

let inflight: Promise<string | null> | null = null

/**
 * A non-secret hint that this browser may hold a refresh cookie (which is HttpOnly, so unreadable here).
 * Without it a first visit would call /api/auth/refresh only to get a 401, which the browser logs as a
 * console error. Set on sign-in and when the SSO button is clicked; cleared on sign-out.
 */
const SESSION_HINT = 'a2g-session'
export function markSessionHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(SESSION_HINT, '1')
    else localStorage.removeItem(SESSION_HINT)
  } catch {
    /* storage disabled: we just try the refresh every time */
  }
}
function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT) === '1'
  } catch {
    return true
  }
}
// React's StrictMode runs effects twice; the refresh cookie rotates on use, so a second concurrent
// bootstrap would present a spent token and sign the user out. One bootstrap per page load.
let booting: Promise<void> | null = null

export const useAuthStore = create<AuthState>((set, get) => ({
  status: 'unknown',
  token: null,
  expiresAt: null,
  user: null,

  async validToken() {
    const { token, expiresAt } = get()
    if (token && (expiresAt === null || expiresAt - Date.now() > 60_000)) return token
    return get().refreshToken()
  },

  bootstrap() {
    booting ??= (async () => {
      if (!hasSessionHint()) {
        set({ status: 'signed_out', token: null, user: null })
        return
      }
      const token = await get().refreshToken()
      if (!token) {
        markSessionHint(false)
        set({ status: 'signed_out', token: null, user: null })
        return
      }
      try {
        const user = get().user ?? (await authApi.me())
        set({ user, status: 'signed_in' })
      } catch {
        set({ status: 'signed_out', token: null, user: null })
      }
    })()
    return booting
  },

  async devSignIn(username, team) {
    const res = await authApi.devLogin(username, team)
    markSessionHint(true)
    set({ token: res.access_token, expiresAt: res.expires_at })
    const user = res.user ?? (await authApi.me())
    set({ user, status: 'signed_in' })
    return user
  },

  async signOut() {
    try {
      await authApi.logout()
    } finally {
      get().clear()
    }
  },

  refreshToken() {
    if (!inflight) {
      inflight = authApi
        .refresh()
        .then((r) => {
          if (r) set({ token: r.access_token, expiresAt: r.expires_at, ...(r.user ? { user: r.user } : {}) })
          return r?.access_token ?? null
        })
        .finally(() => {
          inflight = null
        })
    }
    return inflight
  },

  setUser(user) {
    set({ user })
  },

  clear() {
    markSessionHint(false)
    set({ status: 'signed_out', token: null, expiresAt: null, user: null })
  },
}))

setTokenSource({
  getToken: () => useAuthStore.getState().token,
  refresh: () => useAuthStore.getState().refreshToken(),
  onSignedOut: () => useAuthStore.getState().clear(),
})
