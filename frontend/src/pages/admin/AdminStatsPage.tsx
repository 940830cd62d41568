/** Usage statistics from the pre-aggregated counters: calls per day, and a breakdown by team/user/model/agent. */
import { useCallback, useEffect, useState } from 'react'
import { Box, Card, Table, TableBody, TableCell, TableHead, TableRow, ToggleButton, ToggleButtonGroup, Typography, useTheme } from '@mui/material'
import InsightsRoundedIcon from '@mui/icons-material/InsightsRounded'
import { Area, AreaChart, Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { useTranslation } from 'react-i18next'
import { adminApi } from '../../api/endpoints'
import type { ActiveUsers, AgentStats, StatsGroupBy, UsageRow } from '../../api/types'
import { Page } from '../../components/AppShell'
import { EmptyState, ErrorState, LoadingState } from '../../components/States'
import { PeriodPicker } from '../../components/admin/PeriodPicker'
import { presetPeriod, type Period } from '../../lib/period'

type Load<T> = { data: T | null; error: unknown }

function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Load<T> & { reload: () => void } {
  const [state, setState] = useState<Load<T>>({ data: null, error: null })
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const reload = useCallback(() => {
    setState({ data: null, error: null })
    fn().then((data) => setState({ data, error: null }), (e) => setState({ data: null, error: e ?? new Error('failed') }))
  }, deps)
  useEffect(reload, [reload])
  return { ...state, reload }
}

/** What a breakdown row is called: the name people know, the id only when there is no name. */
export function rowLabel(row: UsageRow): string {
  return row.name || row.key
}

const STATUSES = ['DEVELOPMENT', 'PRODUCTION', 'DISABLED'] as const

function AgentsOverview({ data }: { data: AgentStats }) {
  const { t } = useTranslation()
  return (
    <Card className="p-6 flex flex-col gap-4" data-testid="agents-overview">
      <Typography variant="h6" component="h2">{t('admin.agentsOverview')}</Typography>
      <Box className="flex flex-wrap gap-6">
        <Box>
          <Typography sx={{ fontWeight: 500 }} variant="h4">{data.total.toLocaleString()}</Typography>
          <Typography variant="body2" color="text.secondary">{t('admin.agentsTotal', { count: data.total })}</Typography>
        </Box>
        {STATUSES.map((s) => (
          <Box key={s}>
            <Typography sx={{ fontWeight: 500 }} variant="h4">{(data.by_status[s] ?? 0).toLocaleString()}</Typography>
            <Typography variant="body2" color="text.secondary">{t(`admin.status.${s}`)}</Typography>
          </Box>
        ))}
      </Box>
      {Object.keys(data.by_framework).length > 0 && (
        <Box>
          <Typography variant="overline" color="text.secondary" component="h3">{t('admin.byFramework')}</Typography>
          <Box className="flex flex-wrap gap-2 mt-1">
            {Object.entries(data.by_framework).map(([name, v]) => (
              <Box key={name} className="rounded-xl px-3 py-1.5 text-sm" sx={{ bgcolor: 'var(--a2g-raised)' }}>
                {t(`agentForm.frameworks.${name.toLowerCase()}`, { defaultValue: name })}: <b>{v.toLocaleString()}</b>
              </Box>
            ))}
          </Box>
        </Box>
      )}
      {data.most_used.length > 0 && (
        <Box>
          <Typography variant="overline" color="text.secondary" component="h3">{t('admin.mostUsed')}</Typography>
          <Box component="ol" className="m-0 pl-0 list-none flex flex-col gap-1 mt-1" data-testid="most-used">
            {data.most_used.map((m) => (
              <Box component="li" key={m.agent_id} className="flex items-center gap-3 text-sm min-w-0">
                <Box className="flex-1 min-w-0 truncate" title={m.agent_id}>{m.name || m.agent_id}</Box>
                <Box sx={{ color: 'var(--a2g-muted)', flexShrink: 0 }}>{t('admin.callsCount', { count: m.calls })}</Box>
              </Box>
            ))}
          </Box>
        </Box>
      )}
    </Card>
  )
}

export default function AdminStatsPage() {
  const { t } = useTranslation()
  const theme = useTheme()
  const [groupBy, setGroupBy] = useState<Exclude<StatsGroupBy, 'day'>>('team')
  // The period is checked by the picker, before any request: a From after To shows one sentence under the
  // field and the figures of the last valid period stay, instead of three identical errors from the server.
  const [range, setRange] = useState<Period>(() => presetPeriod(30))

  const daily = useLoad<UsageRow[]>(() => adminApi.usage(range.from, range.to, 'day'), [range])
  const breakdown = useLoad<UsageRow[]>(() => adminApi.usage(range.from, range.to, groupBy), [range, groupBy])
  const agents = useLoad<AgentStats>(() => adminApi.agentStats(), [])
  const named = groupBy === 'agent' || groupBy === 'user'
  const rows = breakdown.data?.map((r) => ({ ...r, label: rowLabel(r) }))
  const users = useLoad<ActiveUsers>(() => adminApi.userStats(range.from, range.to), [range])
  const accent = theme.palette.primary.main
  const axis = { stroke: theme.palette.text.secondary, fontSize: 12 }
  const tooltipStyle = { contentStyle: { background: theme.palette.background.paper, border: `1px solid ${theme.palette.divider}`, borderRadius: 12 } }

  return (
    <Page
      title={t('admin.statsTitle')}
      subtitle={t('admin.statsHint')}
      wide
      actions={<PeriodPicker value={range} onChange={setRange} />}
    >
      <Box className="flex flex-col gap-6">
        <Card className="p-6">
          <Typography variant="h6" component="h2" className="mb-4">{t('admin.byDay')}</Typography>
          {Boolean(daily.error) && <ErrorState error={daily.error} onRetry={daily.reload} />}
          {!daily.data && !daily.error && <LoadingState rows={1} />}
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
          {Boolean(breakdown.error) && <ErrorState error={breakdown.error} onRetry={breakdown.reload} />}
          {!breakdown.data && !breakdown.error && <LoadingState rows={2} />}
          {breakdown.data && breakdown.data.length === 0 && <EmptyState title={t('admin.noUsage')} />}
          {rows && rows.length > 0 && (
            <Box className="grid gap-6 lg:grid-cols-[1fr_1fr]">
              <Box sx={{ height: Math.max(200, rows.length * 36) }} data-testid="chart-breakdown">
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={rows} layout="vertical" margin={{ left: 8, right: 16 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke={theme.palette.divider} horizontal={false} />
                    <XAxis type="number" tick={axis} stroke={theme.palette.divider} />
                    <YAxis type="category" dataKey="label" width={130} tick={axis} stroke={theme.palette.divider} tickFormatter={(v: string) => (v.length > 18 ? `${v.slice(0, 17)}…` : v)} />
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
                  {rows.map((r) => (
                    <TableRow key={r.key} data-testid="breakdown-row">
                      <TableCell data-label={t(`admin.group.${groupBy}`)} title={named && r.name ? r.key : undefined}>
                        {r.label}
                        {named && r.name && groupBy === 'user' && <Box component="span" sx={{ color: 'var(--a2g-muted)', ml: 1 }}>{r.key}</Box>}
                      </TableCell>
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
          {agents.error ? <ErrorState error={agents.error} onRetry={agents.reload} /> : agents.data ? <AgentsOverview data={agents.data} /> : <Card className="p-6"><LoadingState rows={2} /></Card>}
          <Card className="p-6 flex flex-col gap-4">
            <Typography variant="h6" component="h2">{t('admin.usersOverview')}</Typography>
            {Boolean(users.error) && <ErrorState error={users.error} onRetry={users.reload} />}
            {!users.data && !users.error && <LoadingState rows={2} />}
            {users.data && (
              <>
                <Box>
                  <Typography sx={{ fontWeight: 500 }} variant="h4" data-testid="distinct-active-users">{users.data.distinct_active_users.toLocaleString()}</Typography>
                  <Typography variant="body2" color="text.secondary">{t('admin.peopleActive', { count: users.data.distinct_active_users })}</Typography>
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
