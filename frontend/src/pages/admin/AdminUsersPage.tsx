import { useCallback, useEffect, useState } from 'react'
import {
  Box, Button, Card, Chip, MenuItem, Select, Table, TableBody, TableCell, TableHead, TableRow, TextField, ToggleButton,
  ToggleButtonGroup, Typography,
} from '@mui/material'
import GroupRoundedIcon from '@mui/icons-material/GroupRounded'
import { useTranslation } from 'react-i18next'
import { adminApi } from '../../api/endpoints'
import type { Role, User } from '../../api/types'
import { Page } from '../../components/AppShell'
import { EmptyState, ErrorState, LoadingState } from '../../components/States'
import { toast, toastError } from '../../components/Toaster'
import { formatDateTime } from '../../lib/format'

const ROLES: Role[] = ['PENDING', 'USER', 'ADMIN']

function TeamField({ user, onSave }: { user: User; onSave: (team: string) => Promise<void> }) {
  const [team, setTeam] = useState(user.team)
  useEffect(() => setTeam(user.team), [user.team])
  const commit = () => {
    if (team.trim() !== user.team) void onSave(team.trim())
  }
  return (
    <TextField
      size="small"
      value={team}
      onChange={(e) => setTeam(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()}
      slotProps={{ htmlInput: { 'aria-label': `Team of ${user.username}` } }}
      sx={{ width: 160 }}
    />
  )
}

export default function AdminUsersPage() {
  const { t, i18n } = useTranslation()
  const [filter, setFilter] = useState<'all' | 'PENDING'>('all')
  const [users, setUsers] = useState<User[] | null>(null)
  const [error, setError] = useState<unknown>(null)

  const load = useCallback(() => {
    setUsers(null)
    setError(null)
    adminApi.users(filter === 'all' ? undefined : filter).then(
      (list) => setUsers(filter === 'all' ? list : list.filter((u) => u.role === filter)),
      (e) => setError(e ?? new Error('failed')),
    )
  }, [filter])
  useEffect(load, [load])

  const replace = (u: User) => setUsers((list) => (list ?? []).map((x) => (x.user_id === u.user_id ? { ...x, ...u } : x)))
  const run = async (fn: () => Promise<User>, ok: string) => {
    try {
      replace(await fn())
      toast(ok)
    } catch (e) {
      toastError(e, () => void run(fn, ok))
    }
  }
  const pendingCount = users?.filter((u) => u.role === 'PENDING').length ?? 0

  return (
    <Page
      title={t('admin.usersTitle')}
      subtitle={t('admin.usersHint')}
      wide
      actions={
        <ToggleButtonGroup exclusive size="small" value={filter} onChange={(_, v) => v && setFilter(v)} aria-label="filter">
          <ToggleButton value="all">{t('admin.all')}</ToggleButton>
          <ToggleButton value="PENDING">{t('admin.pendingOnly')}{filter === 'all' && pendingCount > 0 ? ` (${pendingCount})` : ''}</ToggleButton>
        </ToggleButtonGroup>
      }
    >
      <Card>
        {Boolean(error) && <Box className="p-6"><ErrorState error={error} onRetry={load} /></Box>}
        {!users && !error && <Box className="p-6"><LoadingState rows={4} /></Box>}
        {users && users.length === 0 && <EmptyState icon={<GroupRoundedIcon fontSize="large" />} title={t('admin.noUsers')} />}
        {users && users.length > 0 && (
          <Table aria-label={t('admin.usersTitle')} className="a2g-table-list">
            <TableHead>
              <TableRow>
                <TableCell>{t('signIn.username')}</TableCell>
                <TableCell>{t('admin.team')}</TableCell>
                <TableCell>{t('admin.role')}</TableCell>
                <TableCell>{t('settings.createdAt')}</TableCell>
                <TableCell align="right" />
              </TableRow>
            </TableHead>
            <TableBody>
              {users.map((u) => (
                <TableRow key={u.user_id} data-testid="user-row" data-username={u.username}>
                  <TableCell data-label={t('signIn.username')}>
                    <Typography sx={{ fontWeight: 500 }}>{u.display_name}</Typography>
                    <Typography variant="body2" color="text.secondary">{u.username}{u.email ? ` · ${u.email}` : ''}</Typography>
                  </TableCell>
                  <TableCell data-label={t('admin.team')}>
                    <TeamField user={u} onSave={(team) => run(() => adminApi.updateUser(u.user_id, { team }), t('admin.updated'))} />
                  </TableCell>
                  <TableCell data-label={t('admin.role')}>
                    <Select
                      size="small"
                      value={u.role}
                      onChange={(e) => void run(() => adminApi.updateUser(u.user_id, { role: e.target.value as Role }), t('admin.updated'))}
                      inputProps={{ 'aria-label': `Role of ${u.username}` }}
                      sx={{ minWidth: 130 }}
                      renderValue={(v) => <Chip size="small" label={v} color={v === 'ADMIN' ? 'secondary' : v === 'PENDING' ? 'warning' : 'default'} />}
                    >
                      {ROLES.map((r) => <MenuItem key={r} value={r}>{r}</MenuItem>)}
                    </Select>
                  </TableCell>
                  <TableCell data-label={t('settings.createdAt')}>{formatDateTime(u.created_at, i18n.language)}</TableCell>
                  <TableCell align="right">
                    {u.role === 'PENDING' && (
                      <Button variant="contained" size="small" onClick={() => void run(() => adminApi.approve(u.user_id), t('admin.approved', { name: u.display_name }))} data-testid="approve">
                        {t('admin.approve')}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </Page>
  )
}
