import { useEffect, useState } from 'react'
import { landingPath } from '../lib/landing'
import { useNavigate } from 'react-router-dom'
import { Box, Button, Paper, Typography } from '@mui/material'
import HourglassTopRoundedIcon from '@mui/icons-material/HourglassTopRounded'
import { useTranslation } from 'react-i18next'
import { authApi } from '../api/endpoints'
import { useAuthStore } from '../store/auth'
import { Logo } from '../components/Logo'

export function PendingPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const { user, setUser, signOut, refreshToken } = useAuthStore()
  const [checking, setChecking] = useState(false)
  const [still, setStill] = useState(false)

  useEffect(() => {
    document.title = `${t('pending.title')} · A2G`
  }, [t])

  useEffect(() => {
    if (user && user.role !== 'PENDING') navigate(landingPath(user.role), { replace: true })
  }, [user, navigate])

  const check = async () => {
    setChecking(true)
    setStill(false)
    try {
      // The role is inside the access token: refresh first so an approval shows up without signing in again.
      await refreshToken()
      const me = await authApi.me()
      setUser(me)
      if (me.role === 'PENDING') setStill(true)
    } finally {
      setChecking(false)
    }
  }

  return (
    <Box className="min-h-full flex items-center justify-center p-6">
      <Paper className="w-full max-w-[480px] p-6 sm:p-10 text-center" sx={{ borderRadius: 7, border: '1px solid var(--a2g-border)' }}>
        <Box className="flex justify-center mb-6">
          <Logo size={40} />
        </Box>
        <Box className="flex justify-center mb-4">
          <Box className="w-16 h-16 rounded-3xl flex items-center justify-center" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }}>
            <HourglassTopRoundedIcon fontSize="large" />
          </Box>
        </Box>
        <Typography variant="h5" component="h1" gutterBottom>
          {t('pending.title')}
        </Typography>
        <Typography color="text.secondary" className="mb-6">
          {t('pending.body', { name: user?.display_name ?? '' })}
        </Typography>
        {still && (
          <Typography role="status" color="text.secondary" variant="body2" className="mb-4">
            {t('pending.still')}
          </Typography>
        )}
        <Box className="flex gap-3 justify-center mt-6">
          <Button variant="contained" onClick={check} disabled={checking}>
            {t('pending.check')}
          </Button>
          <Button onClick={async () => { await signOut(); navigate('/signin') }}>{t('nav.signOut')}</Button>
        </Box>
      </Paper>
    </Box>
  )
}
