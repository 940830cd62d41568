/** Empty, loading and error states, so every list and page says what is going on. */
import type { ReactNode } from 'react'
import { Alert, Box, Button, Skeleton, Typography } from '@mui/material'
import { useTranslation } from 'react-i18next'

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
      <Box aria-busy="true" aria-label={label ?? t('common.loading')} className="flex flex-col gap-3">
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

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useTranslation()
  return (
    <Alert
      severity="error"
      variant="outlined"
      sx={{ borderRadius: 3 }}
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        ) : undefined
      }
    >
      {message}
    </Alert>
  )
}
