/** Empty, loading and error states, so every list and page says what is going on. */
import type { ReactNode } from 'react'
import { Alert, Box, Button, Skeleton, Typography } from '@mui/material'
import { Link as RouterLink, useInRouterContext } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { explainError, type ErrorAction } from '../lib/errors'

export function EmptyState({ icon, title, hint, action }: { icon?: ReactNode; title: string; hint?: string; action?: ReactNode }) {
  return (
    <Box className="flex flex-col items-center justify-center text-center px-6 py-14 gap-3" role="status">
      {icon && (
        <Box className="flex items-center justify-center w-16 h-16 rounded-3xl mb-1" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }}>
          {icon}
        </Box>
      )}
      <Typography variant="h6">{title}</Typography>
      {hint && (
        <Typography color="text.secondary" className="max-w-md">
          {hint}
        </Typography>
      )}
      {action && <Box className="mt-2">{action}</Box>}
    </Box>
  )
}

export function LoadingState({ label, rows = 0 }: { label?: string; rows?: number }) {
  const { t } = useTranslation()
  if (rows > 0) {
    return (
      // role="status": an aria-label is only allowed on an element with a role (axe: aria-prohibited-attr).
      <Box role="status" aria-busy="true" aria-label={label ?? t('common.loading')} className="flex flex-col gap-3">
        {Array.from({ length: rows }, (_, i) => (
          <Skeleton key={i} variant="rounded" height={56} />
        ))}
      </Box>
    )
  }
  // The same skeleton as the lists: lines of text the shape of what is coming, not a spinner.
  return (
    <Box className="flex flex-col gap-2.5 py-6 w-full max-w-xl mx-auto" role="status" aria-busy="true" aria-label={label ?? t('common.loading')} data-testid="loading">
      {['92%', '78%', '85%', '40%'].map((w) => (
        <Skeleton key={w} variant="text" width={w} height={22} />
      ))}
    </Box>
  )
}

/**
 * One sentence and the action that helps: Retry (when `onRetry` can help), Open settings (an API key
 * problem) or Sign in again (the session ended). Pass `error` (what was thrown, or an explained error) to
 * have both worked out from its code; `message` alone keeps the old behaviour (Retry when given).
 */
export function ErrorState({ message, onRetry, error, action }: { message?: string; onRetry?: () => void; error?: unknown; action?: ErrorAction }) {
  const { t } = useTranslation()
  const explained = error !== undefined ? (isExplained(error) ? error : explainError(error)) : null
  const text = message ?? explained?.message ?? t('errorCodes.unexpected')
  const helps: ErrorAction = action !== undefined ? action : explained ? explained.action : onRetry ? 'retry' : null
  return (
    <Alert severity="error" variant="outlined" sx={{ borderRadius: 3 }} action={<ErrorActionButton action={helps} onRetry={onRetry} />} data-testid="error-state">
      {text}
    </Alert>
  )
}

function isExplained(e: unknown): e is { message: string; action: ErrorAction } {
  return Boolean(e && typeof e === 'object' && 'action' in e && 'message' in e && !(e instanceof Error))
}

/** The button for an error's action; nothing when no action can help. */
export function ErrorActionButton({ action, onRetry }: { action: ErrorAction; onRetry?: () => void }) {
  const { t } = useTranslation()
  const routed = useInRouterContext()
  if (action === 'retry' && onRetry)
    return <Button color="inherit" size="small" onClick={onRetry} data-testid="error-action" data-action="retry">{t('errorActions.retry')}</Button>
  if (action === 'settings' || action === 'signIn') {
    const to = action === 'settings' ? '/settings' : '/signin'
    const label = t(`errorActions.${action}`)
    return routed
      ? <Button color="inherit" size="small" component={RouterLink} to={to} data-testid="error-action" data-action={action}>{label}</Button>
      : <Button color="inherit" size="small" href={to} data-testid="error-action" data-action={action}>{label}</Button>
  }
  return null
}
