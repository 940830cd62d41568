import { useCallback, useEffect, useState, type FormEvent } from 'react'
import {
  Alert, Box, Button, Card, Chip, Dialog, DialogActions, DialogContent, DialogTitle, IconButton, Table, TableBody, TableCell,
  TableHead, TableRow, TextField, ToggleButton, ToggleButtonGroup, Tooltip, Typography,
} from '@mui/material'
import AddRoundedIcon from '@mui/icons-material/AddRounded'
import KeyRoundedIcon from '@mui/icons-material/KeyRounded'
import BlockRoundedIcon from '@mui/icons-material/BlockRounded'
import { useTranslation } from 'react-i18next'
import { apiKeysApi } from '../api/endpoints'
import { errorMessage, explainError } from '../lib/errors'
import type { ApiKey, CreatedApiKey } from '../api/types'
import { Page } from '../components/AppShell'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { CopyButton } from '../components/CopyButton'
import { EmptyState, ErrorActionButton, ErrorState, LoadingState } from '../components/States'
import { toast } from '../components/Toaster'
import { useAuthStore } from '../store/auth'
import { useKeyStore } from '../store/keys'
import { useUiStore } from '../store/ui'
import { formatDateTime } from '../lib/format'

function Section({ title, hint, action, children }: { title: string; hint?: string; action?: React.ReactNode; children: React.ReactNode }) {
  return (
    <Card className="p-7 mb-6">
      <Box className="flex items-start justify-between gap-4 mb-5">
        <Box>
          <Typography variant="h6" component="h2">{title}</Typography>
          {hint && <Typography variant="body2" color="text.secondary" className="mt-1 max-w-2xl">{hint}</Typography>}
        </Box>
        {action}
      </Box>
      {children}
    </Card>
  )
}

function ApiKeys() {
  const { t, i18n } = useTranslation()
  const [keys, setKeys] = useState<ApiKey[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [createOpen, setCreateOpen] = useState(false)
  const [name, setName] = useState('')
  const [createError, setCreateError] = useState<unknown>(null)
  const nameError = createError ? explainError(createError).fields.name : undefined
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const [revoking, setRevoking] = useState<ApiKey | null>(null)
  const { remember, forget } = useKeyStore()

  const load = useCallback(() => {
    setError(null)
    apiKeysApi.list().then(setKeys, (e) => setError(e ?? new Error('failed')))
  }, [])
  useEffect(load, [load])

  const create = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setCreateError(null)
    try {
      const key = await apiKeysApi.create(name.trim())
      remember(key)
      setCreated(key)
      setCreateOpen(false)
      setName('')
      load()
    } catch (err) {
      setCreateError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section
      title={t('settings.apiKeys')}
      hint={t('settings.apiKeysHint')}
      action={<Button variant="contained" startIcon={<AddRoundedIcon />} onClick={() => setCreateOpen(true)} data-testid="create-key">{t('settings.createKey')}</Button>}
    >
      {created && (
        <Alert severity="success" sx={{ mb: 3, borderRadius: 3, '& .MuiAlert-message': { width: '100%' } }} onClose={() => setCreated(null)} data-testid="created-key">
          <Typography sx={{ fontWeight: 600 }}>{t('settings.created')}</Typography>
          <Typography variant="body2" className="mb-2">{t('settings.createdOnce')}</Typography>
          <Box className="flex items-center gap-1 rounded-xl pl-3 pr-1 py-1" sx={{ bgcolor: 'var(--a2g-surface)', border: '1px solid var(--a2g-border)' }}>
            <Typography sx={{ fontSize: '0.9rem', fontFamily: 'monospace' }} className="flex-1 break-all" data-testid="created-key-value">{created.key}</Typography>
            <CopyButton text={created.key} />
          </Box>
        </Alert>
      )}
      {Boolean(error) && <ErrorState error={error} onRetry={load} />}
      {!keys && !error && <LoadingState rows={2} />}
      {keys && keys.length === 0 && <EmptyState icon={<KeyRoundedIcon fontSize="large" />} title={t('settings.noKeys')} />}
      {keys && keys.length > 0 && (
        <Table size="small" aria-label={t('settings.apiKeys')} className="a2g-table-list">
          <TableHead>
            <TableRow>
              <TableCell>{t('common.name')}</TableCell>
              <TableCell>{t('trace.apiKey')}</TableCell>
              <TableCell>{t('settings.createdAt')}</TableCell>
              <TableCell>{t('settings.lastUsed')}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {keys.map((k) => (
              <TableRow key={k.key_id} data-testid="api-key-row">
                <TableCell data-label={t('common.name')}>{k.name}</TableCell>
                <TableCell data-label={t('trace.apiKey')} sx={{ fontFamily: 'monospace' }}>{k.masked}</TableCell>
                <TableCell data-label={t('settings.createdAt')}>{formatDateTime(k.created_at, i18n.language)}</TableCell>
                <TableCell data-label={t('settings.lastUsed')}>{k.last_used_at ? formatDateTime(k.last_used_at, i18n.language) : t('common.never')}</TableCell>
                <TableCell align="right">
                  {k.revoked ? (
                    <Chip size="small" label={t('settings.revoked')} />
                  ) : (
                    <Tooltip title={t('settings.revoke')}>
                      <IconButton size="small" aria-label={`${t('settings.revoke')} ${k.name}`} onClick={() => setRevoking(k)}>
                        <BlockRoundedIcon fontSize="small" />
                      </IconButton>
                    </Tooltip>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Dialog open={createOpen} onClose={() => setCreateOpen(false)} maxWidth="xs" fullWidth>
        <Box component="form" onSubmit={create}>
          <DialogTitle>{t('settings.createKey')}</DialogTitle>
          <DialogContent>
            <TextField
              autoFocus
              fullWidth
              label={t('settings.keyName')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              sx={{ mt: 1 }}
              name="name"
              error={Boolean(nameError)}
              helperText={nameError}
            />
            {Boolean(createError) && !nameError && (
              <Alert severity="error" sx={{ mt: 2, borderRadius: 3 }} data-testid="create-key-error"
                action={<ErrorActionButton action={explainError(createError).action === 'signIn' ? 'signIn' : null} />}>
                {errorMessage(createError)}
              </Alert>
            )}
          </DialogContent>
          <DialogActions sx={{ px: 3, pb: 2.5 }}>
            <Button onClick={() => setCreateOpen(false)}>{t('common.cancel')}</Button>
            <Button type="submit" variant="contained" disabled={busy || !name.trim()}>{t('common.create')}</Button>
          </DialogActions>
        </Box>
      </Dialog>
      <ConfirmDialog
        open={Boolean(revoking)}
        title={t('settings.revokeTitle')}
        body={revoking ? t('settings.revokeBody', { name: revoking.name }) : undefined}
        confirmLabel={t('settings.revoke')}
        danger
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return
          try {
            await apiKeysApi.revoke(revoking.key_id)
            forget(revoking.key_id)
            load()
          } catch (e) {
            toast(errorMessage(e), 'error')
          }
        }}
      />
    </Section>
  )
}

export default function SettingsPage() {
  const { t } = useTranslation()
  const user = useAuthStore((s) => s.user)
  const { colorScheme, setColorScheme, language, setLanguage } = useUiStore()
  return (
    <Page title={t('settings.title')}>
      <ApiKeys />
      <Section title={t('settings.appearance')}>
        <Box className="flex flex-wrap gap-10">
          <Box>
            <Typography variant="body2" color="text.secondary" className="mb-2" id="theme-label">{t('settings.theme')}</Typography>
            <ToggleButtonGroup exclusive value={colorScheme} onChange={(_, v) => v && setColorScheme(v)} aria-labelledby="theme-label" size="small">
              <ToggleButton value="light">{t('settings.light')}</ToggleButton>
              <ToggleButton value="dark">{t('settings.dark')}</ToggleButton>
            </ToggleButtonGroup>
          </Box>
          <Box>
            <Typography variant="body2" color="text.secondary" className="mb-2" id="lang-label">{t('settings.language')}</Typography>
            <ToggleButtonGroup exclusive value={language} onChange={(_, v) => v && setLanguage(v)} aria-labelledby="lang-label" size="small">
              <ToggleButton value="en">English</ToggleButton>
              <ToggleButton value="ko">한국어</ToggleButton>
            </ToggleButtonGroup>
          </Box>
        </Box>
      </Section>
      {user && (
        <Section title={t('settings.profile')}>
          <Box className="grid grid-cols-[140px_1fr] gap-y-2 text-sm">
            <Typography color="text.secondary">{t('signIn.username')}</Typography>
            <Typography>{user.username}</Typography>
            <Typography color="text.secondary">{t('settings.team')}</Typography>
            <Typography>{user.team || '—'}</Typography>
            <Typography color="text.secondary">{t('settings.role')}</Typography>
            <Typography>{user.role}</Typography>
          </Box>
        </Section>
      )}
    </Page>
  )
}
