/** App-wide short notices ("Agent saved.") in one Snackbar, fed by `toast()` from anywhere. */
import { Alert, Snackbar } from '@mui/material'
import { create } from 'zustand'

interface Toast {
  id: number
  message: string
  severity: 'success' | 'error' | 'info'
}

const useToasts = create<{ current: Toast | null; show(t: Omit<Toast, 'id'>): void; hide(): void }>((set) => ({
  current: null,
  show: (t) => set({ current: { ...t, id: Date.now() } }),
  hide: () => set({ current: null }),
}))

export function toast(message: string, severity: Toast['severity'] = 'success'): void {
  useToasts.getState().show({ message, severity })
}

export function Toaster() {
  const { current, hide } = useToasts()
  return (
    <Snackbar
      key={current?.id}
      open={Boolean(current)}
      autoHideDuration={4000}
      onClose={(_, reason) => reason !== 'clickaway' && hide()}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
    >
      {current ? (
        <Alert severity={current.severity} variant="filled" onClose={hide} sx={{ borderRadius: 3 }}>
          {current.message}
        </Alert>
      ) : undefined}
    </Snackbar>
  )
}
