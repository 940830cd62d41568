import { useEffect, useState, type FormEvent } from 'react'
import { landingPath } from '../lib/landing'
import { useLocation, useNavigate } from 'react-router-dom'
import { Box, Button, Divider, Paper, TextField, Typography } from '@mui/material'
import LoginRoundedIcon from '@mui/icons-material/LoginRounded'
import { useTranslation } from 'react-i18next'
import { authApi } from '../api/endpoints'
import { ApiError } from '../api/client'
import { errorMessage } from '../lib/errors'
import type { AuthConfig } from '../api/types'
import { markSessionHint, useAuthStore } from '../store/auth'
import { Logo } from '../components/Logo'
import { ErrorState, LoadingState } from '../components/States'

export function SignInPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const location = useLocation()
  const { status, user, devSignIn } = useAuthStore()
  const [config, setConfig] = useState<AuthConfig | null>(null)
  const [configError, setConfigError] = useState<unknown>(null)
  const [username, setUsername] = useState('')
  const [team, setTeam] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | Error | null>(null)

  const load = () => {
    setConfigError(null)
    authApi.config().then(setConfig, (e) => setConfigError(e ?? new Error('failed')))
  }
  useEffect(() => {
    document.title = 'Sign in · A2G'
    load()
  }, [])

  useEffect(() => {
    if (status === 'signed_in' && user) {
      const from = (location.state as { from?: string } | null)?.from
      navigate(user.role !== 'PENDING' && from && from !== '/signin' ? from : landingPath(user.role), { replace: true })
    }
  }, [status, user, navigate, location.state])

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await devSignIn(username.trim(), team.trim())
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }
  const returnTo = (location.state as { from?: string } | null)?.from
  const ssoError = new URLSearchParams(location.search).get('auth_error')
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldMessage(f) : undefined)

  return (
    <Box className="min-h-full flex items-center justify-center p-6" sx={{ background: 'radial-gradient(1200px 600px at 10% 0%, rgba(242,139,130,.18), transparent 60%), radial-gradient(1000px 600px at 100% 100%, rgba(138,180,248,.22), transparent 60%), var(--a2g-page)' }}>
      <Paper className="w-full max-w-[440px] p-6 sm:p-10" sx={{ borderRadius: 7, border: '1px solid var(--a2g-border)', boxShadow: '0 12px 40px rgba(0,0,0,.06)' }}>
        <Box className="flex flex-col items-center text-center gap-3 mb-8">
          <Logo size={52} withText={false} />
          <Typography variant="h5" component="h1">
            {t('signIn.title')}
          </Typography>
          <Typography color="text.secondary">{t('signIn.subtitle')}</Typography>
        </Box>
        {ssoError && (
          <Box className="mb-5">
            <ErrorState message={t('signIn.ssoFailed')} />
          </Box>
        )}
        {Boolean(configError) && <ErrorState message={t('signIn.configError')} onRetry={load} />}
        {!config && !configError && <LoadingState />}
        {config && (
          <Box className="flex flex-col gap-5">
            {config.sso_enabled && (
              <Button
                variant="contained"
                size="large"
                href={authApi.ssoLoginUrl(returnTo)}
                onClick={() => markSessionHint(true)}
                startIcon={<LoginRoundedIcon />}
                sx={{ py: 1.4 }}
              >
                {t('signIn.sso')}
              </Button>
            )}
            {config.sso_enabled && config.dev_login_enabled && (
              <Divider>
                <Typography variant="body2" color="text.secondary">
                  {t('signIn.or')}
                </Typography>
              </Divider>
            )}
            {config.dev_login_enabled && (
              <Box component="form" onSubmit={submit} className="flex flex-col gap-4" aria-label={t('signIn.devTitle')}>
                <Typography variant="subtitle2" color="text.secondary">
                  {t('signIn.devTitle')}
                </Typography>
                <TextField
                  label={t('signIn.username')}
                  value={username}
                  onChange={(e) => setUsername(e.target.value)}
                  autoComplete="username"
                  required
                  autoFocus
                  name="username"
                  error={Boolean(fieldError('username'))}
                  helperText={fieldError('username')}
                />
                <TextField
                  label={t('signIn.team')}
                  value={team}
                  onChange={(e) => setTeam(e.target.value)}
                  name="team"
                  error={Boolean(fieldError('team'))}
                  helperText={fieldError('team') ?? t('signIn.devHint')}
                />
                {error && !(error instanceof ApiError && error.fields.length) && <ErrorState message={errorMessage(error)} />}
                <Button type="submit" variant={config.sso_enabled ? 'outlined' : 'contained'} size="large" disabled={busy || !username.trim()} sx={{ py: 1.2 }}>
                  {t('signIn.submit')}
                </Button>
              </Box>
            )}
            {!config.sso_enabled && !config.dev_login_enabled && <ErrorState message={t('signIn.noMethod')} />}
          </Box>
        )}
      </Paper>
    </Box>
  )
}
