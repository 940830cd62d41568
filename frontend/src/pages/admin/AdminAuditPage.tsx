/**
 * The audit log: what the platform's jobs did to agents (disabled after failed health checks, warned,
 * disabled or deleted as unused, recovered), newest first, filtered by period and action, a page at a time.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { Box, Button, Card, MenuItem, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material'
import ReceiptLongRoundedIcon from '@mui/icons-material/ReceiptLongRounded'
import { useTranslation } from 'react-i18next'
import { adminApi } from '../../api/endpoints'
import type { AuditEvent } from '../../api/types'
import { Page } from '../../components/AppShell'
import { EmptyState, ErrorState, LoadingState } from '../../components/States'
import { PeriodPicker } from '../../components/admin/PeriodPicker'
import { formatDateTime } from '../../lib/format'
import { plainReason } from '../../lib/errors'
import { presetPeriod, type Period } from '../../lib/period'

/** The actions the jobs record (a2g.operations: health.py, lifecycle.py). */
export const AUDIT_ACTIONS = ['agent.disabled', 'agent.deleted', 'agent.warned', 'agent.recovered', 'health.incident_closed'] as const

/** The event's circumstances in a few words: why, after how many failures or idle days. */
function useDetails() {
  const { t } = useTranslation()
  return (e: AuditEvent): string => {
    const d = e.details
    const parts: string[] = []
    if (d.reason === 'health' || typeof d.consecutive_failures === 'number')
      parts.push(t('admin.audit.failures', { count: Number(d.consecutive_failures ?? 0) }))
    if (typeof d.idle_days === 'number') parts.push(t('admin.audit.idleDays', { count: d.idle_days }))
    if (typeof d.rule === 'string') parts.push(t(`admin.audit.rule.${d.rule}`, { defaultValue: d.rule }))
    if (typeof d.due === 'string') parts.push(t('admin.audit.due', { date: formatDateTime(d.due) }))
    if (typeof d.last_error === 'string' && d.last_error) parts.push(plainReason(d.last_error))
    if (typeof d.why === 'string') parts.push(d.why)
    return parts.join(' · ')
  }
}

export default function AdminAuditPage() {
  const { t, i18n } = useTranslation()
  const details = useDetails()
  const [period, setPeriod] = useState<Period>(() => presetPeriod(30))
  const [action, setAction] = useState('')
  const [items, setItems] = useState<AuditEvent[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [more, setMore] = useState(false)
  const asked = useRef(0)

  const load = useCallback((next: string | null) => {
    const ask = ++asked.current
    setError(null)
    if (next) setMore(true)
    else setItems(null)
    adminApi.audit({ from: period.from, to: period.to, action, cursor: next }).then(
      (page) => {
        if (ask !== asked.current) return // a newer filter answered first
        setItems((prev) => (next ? [...(prev ?? []), ...page.items] : page.items))
        setCursor(page.cursor)
        setMore(false)
      },
      (e) => {
        if (ask !== asked.current) return
        setError(e ?? new Error('failed'))
        setMore(false)
      },
    )
  }, [period, action])
  useEffect(() => load(null), [load])

  const actionLabel = (a: string) => t(`admin.audit.actions.${a.replace('.', '_')}`, { defaultValue: a })
  const actorLabel = (a: string) => t(`admin.audit.actors.${a.replace(/[:-]/g, '_')}`, { defaultValue: a })

  return (
    <Page
      title={t('admin.audit.title')}
      subtitle={t('admin.audit.hint')}
      wide
      actions={
        <Box className="flex gap-2 flex-wrap items-start">
          <PeriodPicker value={period} onChange={setPeriod} />
          <TextField select size="small" label={t('admin.audit.action')} value={action} onChange={(e) => setAction(e.target.value)} sx={{ minWidth: 190 }} data-testid="audit-action" slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}>
            <MenuItem value="">{t('admin.audit.allActions')}</MenuItem>
            {AUDIT_ACTIONS.map((a) => <MenuItem key={a} value={a}>{actionLabel(a)}</MenuItem>)}
          </TextField>
        </Box>
      }
    >
      <Card>
        {Boolean(error) && <Box className="p-4"><ErrorState error={error} onRetry={() => load(null)} /></Box>}
        {!items && !error && <Box className="p-4"><LoadingState rows={3} /></Box>}
        {items && items.length === 0 && <EmptyState icon={<ReceiptLongRoundedIcon fontSize="large" />} title={t('admin.audit.empty')} hint={t('admin.audit.emptyHint')} />}
        {items && items.length > 0 && (
          <Table size="small" className="a2g-table-list" aria-label={t('admin.audit.title')}>
            <TableHead>
              <TableRow>
                <TableCell>{t('admin.audit.at')}</TableCell>
                <TableCell>{t('admin.audit.action')}</TableCell>
                <TableCell>{t('admin.audit.agent')}</TableCell>
                <TableCell>{t('admin.audit.owner')}</TableCell>
                <TableCell>{t('admin.audit.actor')}</TableCell>
                <TableCell>{t('admin.audit.details')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((e) => (
                <TableRow key={`${e.at}#${e.event_id}`} data-testid="audit-row" data-action={e.action}>
                  <TableCell data-label={t('admin.audit.at')} sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at, i18n.language, { utc: true })}</TableCell>
                  <TableCell data-label={t('admin.audit.action')}>{actionLabel(e.action)}</TableCell>
                  <TableCell data-label={t('admin.audit.agent')} title={e.agent_id ?? undefined}>{e.agent_name || e.agent_id || '—'}</TableCell>
                  <TableCell data-label={t('admin.audit.owner')} title={e.owner_id ?? undefined}>{e.owner_name || e.owner_id || '—'}</TableCell>
                  <TableCell data-label={t('admin.audit.actor')}>{actorLabel(e.actor)}</TableCell>
                  <TableCell data-label={t('admin.audit.details')} sx={{ color: 'var(--a2g-muted)', overflowWrap: 'anywhere' }}>{details(e) || '—'}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {items && cursor && (
          <Box className="flex justify-center p-3" sx={{ borderTop: '1px solid var(--a2g-border)' }}>
            <Button onClick={() => load(cursor)} disabled={more} data-testid="audit-more">{t('admin.audit.more')}</Button>
          </Box>
        )}
      </Card>
      <Typography variant="caption" color="text.secondary" component="p" className="mt-3">
        {items ? t('admin.audit.shown', { count: items.length }) : '\u00a0'}
      </Typography>
    </Page>
  )
}
