import { Button } from '@mui/material'
import { Link } from 'react-router-dom'
import SearchOffRoundedIcon from '@mui/icons-material/SearchOffRounded'
import { useTranslation } from 'react-i18next'
import { EmptyState } from '../components/States'

export function NotFoundPage() {
  const { t } = useTranslation()
  return (
    <EmptyState
      icon={<SearchOffRoundedIcon fontSize="large" />}
      title={t('notFound.title')}
      hint={t('notFound.body')}
      action={<Button variant="contained" component={Link} to="/">{t('notFound.home')}</Button>}
    />
  )
}
