/**
 * App-wide short notices ("Agent saved.") in one Snackbar, fed by `toast()` from anywhere. A notice may
 * carry one action (e.g. Undo) and its own duration.
 */
import { useEffect } from 'react'
import { Alert, Button, Snackbar } from '@mui/material'
import { create } from 'zustand'
import i18n from '../i18n'
import { explainError } from '../lib/errors'

export interface ToastAction {
  label: string
  onClick: () => void
}

interface Toast {
  id: number
  message: string
  severity: 'success' | 'error' | 'info'
  action?: ToastAction
  duration?: number
  /** Called when the notice goes away without its action being used (timeout, close, replaced). */
  onDismiss?: () => void
}

const useToasts = create<{ current: Toast | null; show(t: Omit<Toast, 'id'>): void; hide(): void }>((set, get) => ({
  current: null,
  show: (t) => {
    get().current?.onDismiss?.()
    set({ current: { ...t, id: Date.now() } })
  },
  hide: () => {
    get().current?.onDismiss?.()
    set({ current: null })
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

export function Toaster() {
  const { current, hide } = useToasts()
  // A notice with an action goes at its duration exactly (Snackbar's own timer pauses while hovered), so an
  // Undo is never offered after what it would undo has been sent.
  useEffect(() => {
    if (!current?.action) return
    const timer = setTimeout(hide, current.duration ?? 4000)
    return () => clearTimeout(timer)
  }, [current, hide])
  const act = () => {
    if (!current?.action) return
    const { onClick } = current.action
    useToasts.setState({ current: null }) // the action replaces the dismissal
    onClick()
  }
  return (
    <Snackbar
      key={current?.id}
      open={Boolean(current)}
      autoHideDuration={current?.action ? null : (current?.duration ?? 4000)}
      onClose={(_, reason) => reason !== 'clickaway' && hide()}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
    >
      {current ? (
        <Alert
          severity={current.severity}
          variant="filled"
          onClose={hide}
          sx={{ borderRadius: 3, alignItems: 'center' }}
          data-testid="toast"
          action={current.action ? (
            <Button color="inherit" size="small" onClick={act} data-testid="toast-action" sx={{ fontWeight: 700 }}>
              {current.action.label}
            </Button>
          ) : undefined}
        >
          {current.message}
        </Alert>
      ) : undefined}
    </Snackbar>
  )
}
