/** Usage statistics from the pre-aggregated counters: calls per day, and a breakdown by team/user/model/agent. */
import { useCallback, useEffect, useState } from 'react'
import { Box, Card, Table, TableBody, TableCell, TableHead, TableRow, TextField, ToggleButton, ToggleButtonGroup, Typography, useTheme } from '@mui/material'
import InsightsRoundedIcon from '@mui/icons-material/InsightsRounded'
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { useTranslation } from 'react-i18next'
import { adminApi } from '../../api/endpoints'
import { errorMessage } from '../../lib/errors'
import type { ActiveUsers, StatsGroupBy, UsageRow } from '../../api/types'
import { Page } from '../../components/AppShell'
import { EmptyState, ErrorState, LoadingState } from '../../components/States'
import { isoDate, isValidRange } from '../../lib/format'

type Load<T> = { data: T | null; error: string | null }

function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Load<T> & { reload: () => void } {
  const [state, setState] = useState<Load<T>>({ data: null, error: null })
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const reload = useCallback(() => {
    setState({ data: null, error: null })
    fn().then((data) => setState({ data, error: null }), (e) => setState({ data: null, error: errorMessage(e) }))
  }, deps)
  useEffect(reload, [reload])
  return { ...state, reload }
}

/** Numbers at the top level become tiles; objects of numbers become "label: value" lists. */
function Overview({ title, data }: { title: string; data: Record<string, unknown> }) {
  const tiles = Object.entries(data).filter(([, v]) => typeof v === 'number') as [string, number][]
  const groups = Object.entries(data).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v)) as [string, Record<string, unknown>][]
  return (
    <Card className="p-6 flex flex-col gap-4">
      <Typography variant="h6" component="h2">{title}</Typography>
      <Box className="flex flex-wrap gap-6">
        {tiles.map(([k, v]) => (
          <Box key={k}>
            <Typography sx={{ fontWeight: 500 }} variant="h4">{v.toLocaleString()}</Typography>
            <Typography variant="body2" color="text.secondary">{k.replace(/_/g, ' ')}</Typography>
          </Box>
        ))}
      </Box>
      {groups.map(([k, obj]) => (
        <Box key={k}>
          <Typography variant="overline" color="text.secondary">{k.replace(/_/g, ' ')}</Typography>
          <Box className="flex flex-wrap gap-2 mt-1">
            {Object.entries(obj).map(([name, v]) => (
              <Box key={name} className="rounded-xl px-3 py-1.5 text-sm" sx={{ bgcolor: 'var(--a2g-raised)' }}>
                {name}: <b>{typeof v === 'number' ? v.toLocaleString() : String(v)}</b>
              </Box>
            ))}
          </Box>
        </Box>
      ))}
      {!tiles.length && !groups.length && <Typography color="text.secondary">—</Typography>}
    </Card>
  )
}

export default function AdminStatsPage() {
  const { t } = useTranslation()
  const theme = useTheme()
  const today = new Date()
  const [from, setFrom] = useState(isoDate(new Date(today.getTime() - 29 * 86_400_000)))
  const [to, setTo] = useState(isoDate(today))
  const [groupBy, setGroupBy] = useState<Exclude<StatsGroupBy, 'day'>>('team')
  // The range is checked here, before any request: a From after To shows one sentence under the field and
  // the figures of the last valid range stay, instead of three identical errors from the server.
  const rangeError = isValidRange(from, to) ? null : t('errorCodes.invalid_date_range')
  const [range, setRange] = useState({ from, to })
  useEffect(() => {
    if (isValidRange(from, to)) setRange({ from, to })
  }, [from, to])

  const daily = useLoad<UsageRow[]>(() => adminApi.usage(range.from, range.to, 'day'), [range])
  const breakdown = useLoad<UsageRow[]>(() => adminApi.usage(range.from, range.to, groupBy), [range, groupBy])
  const agents = useLoad(() => adminApi.agentStats(), [])
  const users = useLoad<ActiveUsers>(() => adminApi.userStats(range.from, range.to), [range])
  const accent = theme.palette.primary.main
  const axis = { stroke: theme.palette.text.secondary, fontSize: 12 }
  const tooltipStyle = { contentStyle: { background: theme.palette.background.paper, border: `1px solid ${theme.palette.divider}`, borderRadius: 12 } }

  return (
    <Page
      title={t('admin.statsTitle')}
      subtitle={t('admin.statsHint')}
      wide
      actions={
        <Box className="flex gap-2">
          <TextField type="date" size="small" label={t('admin.from')} value={from} onChange={(e) => setFrom(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField type="date" size="small" label={t('admin.to')} value={to} onChange={(e) => setTo(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} error={Boolean(rangeError)} helperText={rangeError ?? undefined} data-testid="stats-to" />
        </Box>
      }
    >
      <Box className="flex flex-col gap-6">
        <Card className="p-6">
          <Typography variant="h6" component="h2" className="mb-4">{t('admin.byDay')}</Typography>
          {daily.error && <ErrorState message={daily.error} onRetry={daily.reload} />}
          {!daily.data && !daily.error && <LoadingState />}
          {daily.data && daily.data.length === 0 && <EmptyState icon={<InsightsRoundedIcon fontSize="large" />} title={t('admin.noUsage')} />}
          {daily.data && daily.data.length > 0 && (
            <Box sx={{ height: 280 }} data-testid="chart-daily">
              <ResponsiveContainer width="100%" height="100%">
                <AreaChart data={daily.data} margin={{ left: 0, right: 8, top: 8 }}>
                  <defs>
                    <linearGradient id="callsFill" x1="0" y1="0" x2="0" y2="1">
                      <stop offset="0%" stopColor={accent} stopOpacity={0.35} />
                      <stop offset="100%" stopColor={accent} stopOpacity={0} />
                    </linearGradient>
                  </defs>
                  <CartesianGrid strokeDasharray="3 3" stroke={theme.palette.divider} vertical={false} />
                  <XAxis dataKey="key" tick={axis} stroke={theme.palette.divider} />
                  <YAxis tick={axis} stroke={theme.palette.divider} allowDecimals={false} />
                  <Tooltip {...tooltipStyle} />
                  <Area type="monotone" dataKey="calls" name={t('admin.calls')} stroke={accent} strokeWidth={2} fill="url(#callsFill)" isAnimationActive={false} />
                  <Area type="monotone" dataKey="errors" name={t('admin.errors')} stroke={theme.palette.error.main} strokeWidth={1.5} fill="transparent" isAnimationActive={false} />
                </AreaChart>
              </ResponsiveContainer>
            </Box>
          )}
        </Card>

        <Card className="p-6">
          <Box className="flex items-center justify-between gap-4 mb-4 flex-wrap">
            <Typography variant="h6" component="h2">{t('admin.breakdown')}</Typography>
            <ToggleButtonGroup exclusive size="small" value={groupBy} onChange={(_, v) => v && setGroupBy(v)} aria-label={t('admin.groupBy')}>
              {(['team', 'user', 'model', 'agent'] as const).map((g) => <ToggleButton key={g} value={g}>{t(`admin.group.${g}`)}</ToggleButton>)}
            </ToggleButtonGroup>
          </Box>
          {breakdown.error && <ErrorState message={breakdown.error} onRetry={breakdown.reload} />}
          {!breakdown.data && !breakdown.error && <LoadingState />}
          {breakdown.data && breakdown.data.length === 0 && <EmptyState title={t('admin.noUsage')} />}
          {breakdown.data && breakdown.data.length > 0 && (
            <Box className="grid gap-6 lg:grid-cols-[1fr_1fr]">
              <Box sx={{ height: Math.max(200, breakdown.data.length * 36) }} data-testid="chart-breakdown">
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={breakdown.data} layout="vertical" margin={{ left: 8, right: 16 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke={theme.palette.divider} horizontal={false} />
                    <XAxis type="number" tick={axis} stroke={theme.palette.divider} />
                    <YAxis type="category" dataKey="key" width={120} tick={axis} stroke={theme.palette.divider} />
                    <Tooltip {...tooltipStyle} />
                    <Bar dataKey="total_tokens" name={t('admin.tokens')} fill={accent} radius={[0, 8, 8, 0]} isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </Box>
              <Table size="small" className="a2g-table-list">
                <TableHead>
                  <TableRow>
                    <TableCell>{t(`admin.group.${groupBy}`)}</TableCell>
                    <TableCell align="right">{t('admin.calls')}</TableCell>
                    <TableCell align="right">{t('admin.errors')}</TableCell>
                    <TableCell align="right">{t('admin.tokens')}</TableCell>
                    <TableCell align="right">{t('admin.latency')}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {breakdown.data.map((r) => (
                    <TableRow key={r.key}>
                      <TableCell data-label={t(`admin.group.${groupBy}`)}>{r.key}</TableCell>
                      <TableCell align="right" data-label={t('admin.calls')}>{r.calls.toLocaleString()}</TableCell>
                      <TableCell align="right" data-label={t('admin.errors')}>{r.errors.toLocaleString()}</TableCell>
                      <TableCell align="right" data-label={t('admin.tokens')}>{r.total_tokens.toLocaleString()}</TableCell>
                      <TableCell align="right" data-label={t('admin.latency')}>{r.latency_ms_avg.toLocaleString()}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          )}
        </Card>

        <Box className="grid gap-6 md:grid-cols-2">
          {agents.error ? <ErrorState message={agents.error} onRetry={agents.reload} /> : agents.data ? <Overview title={t('admin.agentsOverview')} data={agents.data} /> : <LoadingState />}
          <Card className="p-6 flex flex-col gap-4">
            <Typography variant="h6" component="h2">{t('admin.usersOverview')}</Typography>
            {users.error && <ErrorState message={users.error} onRetry={users.reload} />}
            {!users.data && !users.error && <LoadingState />}
            {users.data && (
              <>
                <Box>
                  <Typography sx={{ fontWeight: 500 }} variant="h4" data-testid="distinct-active-users">{users.data.distinct_active_users.toLocaleString()}</Typography>
                  <Typography variant="body2" color="text.secondary">{t('admin.distinctActiveUsers')}</Typography>
                </Box>
                <Box sx={{ height: 200 }} data-testid="chart-users">
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={users.data.days} margin={{ left: 0, right: 8, top: 8 }}>
                      <CartesianGrid strokeDasharray="3 3" stroke={theme.palette.divider} vertical={false} />
                      <XAxis dataKey="date" tick={axis} stroke={theme.palette.divider} />
                      <YAxis tick={axis} stroke={theme.palette.divider} allowDecimals={false} />
                      <Tooltip {...tooltipStyle} />
                      <Bar dataKey="active_users" name={t('admin.activeUsers')} fill={accent} radius={[6, 6, 0, 0]} isAnimationActive={false} />
                    </BarChart>
                  </ResponsiveContainer>
                </Box>
              </>
            )}
          </Card>
        </Box>
      </Box>
    </Page>
  )
}
