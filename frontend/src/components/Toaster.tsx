/**
 * App-wide short notices ("Agent saved.") fed by `toast()` from anywhere. A notice may carry one action
 * (e.g. Undo) and its own duration.
 *
 * Notices stack (newest at the bottom) instead of replacing each other: a notice with an action stands for
 * something pending (the trace's Clear is sent when its Undo notice goes), so a second notice must not end
 * its undo window early. Only when more than `MAX_TOASTS` are shown does the oldest go, preferring one
 * without an action.
 */
import { useEffect } from 'react'
import { Alert, Box, Button, Grow } from '@mui/material'
import { create } from 'zustand'
import i18n from '../i18n'
import { explainError } from '../lib/errors'

export interface ToastAction {
  label: string
  onClick: () => void
}

export interface Toast {
  id: number
  message: string
  severity: 'success' | 'error' | 'info'
  action?: ToastAction
  duration?: number
  /** Called when the notice goes away without its action being used (timeout, close, pushed out). */
  onDismiss?: () => void
}

export const MAX_TOASTS = 3
export const DEFAULT_TOAST_MS = 4000

interface ToastState {
  toasts: Toast[]
  show(t: Omit<Toast, 'id'>): void
  /** The notice goes without its action (its time is up, or it was closed): its `onDismiss` runs. */
  hide(id: number): void
  /** Its action was used: the action replaces the dismissal. */
  act(id: number): void
}

let nextId = 1

export const useToasts = create<ToastState>((set, get) => ({
  toasts: [],
  show: (t) => {
    const toasts = [...get().toasts, { ...t, id: nextId++ }]
    let dropped: Toast | undefined
    if (toasts.length > MAX_TOASTS) {
      const index = Math.max(0, toasts.findIndex((x) => !x.action))
      dropped = toasts.splice(index, 1)[0]
    }
    set({ toasts })
    dropped?.onDismiss?.()
  },
  hide: (id) => {
    const gone = get().toasts.find((x) => x.id === id)
    if (!gone) return
    set({ toasts: get().toasts.filter((x) => x.id !== id) })
    gone.onDismiss?.()
  },
  act: (id) => {
    const used = get().toasts.find((x) => x.id === id)
    if (!used) return
    set({ toasts: get().toasts.filter((x) => x.id !== id) })
    used.action?.onClick()
  },
}))

export function toast(message: string, severity: Toast['severity'] = 'success', options: { action?: ToastAction; duration?: number; onDismiss?: () => void } = {}): void {
  useToasts.getState().show({ message, severity, ...options })
}

/**
 * A failure as a notice: its sentence and the action that helps — Retry when `retry` is given and retrying
 * can help, Open settings or Sign in again (a full navigation: a notice lives outside the router).
 */
export function toastError(e: unknown, retry?: () => void): void {
  const { message, action } = explainError(e)
  const label = action ? i18n.t(`errorActions.${action}`) : ''
  const go = (path: string) => () => window.location.assign(path)
  const onClick = action === 'retry' ? retry : action === 'settings' ? go('/settings') : action === 'signIn' ? go('/signin') : undefined
  toast(message, 'error', onClick ? { action: { label, onClick }, duration: 8000 } : {})
}

function Notice({ notice }: { notice: Toast }) {
  const { hide, act } = useToasts.getState()
  // Each notice goes at its own duration exactly (no pause on hover), so an Undo is never offered after
  // what it would undo has been sent.
  useEffect(() => {
    const timer = setTimeout(() => hide(notice.id), notice.duration ?? DEFAULT_TOAST_MS)
    return () => clearTimeout(timer)
  }, [notice, hide])
  return (
    <Grow in appear>
      <Alert
        severity={notice.severity}
        variant="filled"
        onClose={() => hide(notice.id)}
        sx={{ borderRadius: 3, alignItems: 'center', pointerEvents: 'auto', boxShadow: 6 }}
        data-testid="toast"
        action={notice.action ? (
          <Button color="inherit" size="small" onClick={() => act(notice.id)} data-testid="toast-action" sx={{ fontWeight: 700 }}>
            {notice.action.label}
          </Button>
        ) : undefined}
      >
        {notice.message}
      </Alert>
    </Grow>
  )
}

export function Toaster() {
  const toasts = useToasts((s) => s.toasts)
  if (!toasts.length) return null
  return (
    <Box
      className="fixed flex flex-col gap-2 items-center"
      sx={{ bottom: 24, left: 16, right: 16, zIndex: (th) => th.zIndex.snackbar, pointerEvents: 'none', '& > *': { maxWidth: 560, width: { xs: '100%', sm: 'auto' } } }}
      data-testid="toasts"
    >
      {toasts.map((n) => <Notice key={n.id} notice={n} />)}
    </Box>
  )
}
