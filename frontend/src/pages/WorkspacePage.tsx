import { useCallback, useEffect, useState } from 'react'
import { Button, Card, Box, Typography } from '@mui/material'
import AddRoundedIcon from '@mui/icons-material/AddRounded'
import SmartToyOutlinedIcon from '@mui/icons-material/SmartToyOutlined'
import { useTranslation } from 'react-i18next'
import { agentsApi } from '../api/endpoints'
import { errorMessage } from '../lib/errors'
import type { Agent } from '../api/types'
import { Page } from '../components/AppShell'
import { AgentCard, OwnerActions } from '../components/AgentCard'
import { AgentDialog } from '../components/AgentDialog'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { EmptyState, ErrorState } from '../components/States'
import { toast } from '../components/Toaster'
import { Skeleton } from '@mui/material'

export function WorkspacePage() {
  const { t } = useTranslation()
  const [agents, setAgents] = useState<Agent[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [editing, setEditing] = useState<Agent | null>(null)
  const [dialogOpen, setDialogOpen] = useState(false)
  const [deleting, setDeleting] = useState<Agent | null>(null)
  const [busyId, setBusyId] = useState<string | null>(null)

  const load = useCallback(() => {
    setError(null)
    agentsApi.mine().then(setAgents, (e) => setError(errorMessage(e)))
  }, [])
  useEffect(load, [load])

  const replace = (a: Agent) => setAgents((list) => (list ?? []).some((x) => x.agent_id === a.agent_id) ? (list ?? []).map((x) => (x.agent_id === a.agent_id ? a : x)) : [a, ...(list ?? [])])

  const lifecycle = async (a: Agent, action: 'publish' | 'withdraw') => {
    setBusyId(a.agent_id)
    try {
      replace(await (action === 'publish' ? agentsApi.publish(a.agent_id) : agentsApi.withdraw(a.agent_id)))
      toast(action === 'publish' ? t('workspace.publishedToast') : t('workspace.withdrawnToast'))
    } catch (e) {
      toast(errorMessage(e), 'error')
    } finally {
      setBusyId(null)
    }
  }

  const add = () => {
    setEditing(null)
    setDialogOpen(true)
  }

  return (
    <Page
      title={t('workspace.title')}
      subtitle={t('workspace.subtitle')}
      actions={
        <Button variant="contained" startIcon={<AddRoundedIcon />} onClick={add} data-testid="add-agent" size="large">
          {t('workspace.add')}
        </Button>
      }
    >
      {error && <ErrorState message={error} onRetry={load} />}
      {!agents && !error && (
        <Box className="grid gap-5 grid-cols-[repeat(auto-fill,minmax(280px,1fr))]" aria-busy="true">
          {[0, 1, 2].map((i) => <Skeleton key={i} variant="rounded" height={220} />)}
        </Box>
      )}
      {agents && agents.length === 0 && (
        <Card sx={{ borderStyle: 'dashed' }}>
          <EmptyState
            icon={<SmartToyOutlinedIcon fontSize="large" />}
            title={t('workspace.empty')}
            hint={t('workspace.emptyHint')}
            action={<Button variant="contained" startIcon={<AddRoundedIcon />} onClick={add}>{t('workspace.add')}</Button>}
          />
        </Card>
      )}
      {agents && agents.length > 0 && (
        <Box className="grid gap-5 grid-cols-[repeat(auto-fill,minmax(280px,1fr))]">
          {agents.map((a) => (
            <AgentCard
              key={a.agent_id}
              agent={a}
              to={`/workspace/agents/${encodeURIComponent(a.agent_id)}`}
              actions={
                <OwnerActions
                  agent={a}
                  busy={busyId === a.agent_id}
                  onEdit={() => { setEditing(a); setDialogOpen(true) }}
                  onDelete={() => setDeleting(a)}
                  onPublish={() => lifecycle(a, 'publish')}
                  onWithdraw={() => lifecycle(a, 'withdraw')}
                />
              }
            />
          ))}
          <Box
            component="button"
            type="button"
            onClick={add}
            aria-label={t('workspace.add')}
            className="rounded-[20px] flex flex-col items-center justify-center gap-2 min-h-[220px] cursor-pointer bg-transparent"
            sx={{ border: '2px dashed var(--a2g-border)', color: 'var(--a2g-muted)', '&:hover': { borderColor: 'var(--a2g-accent)', color: 'var(--a2g-accent)', bgcolor: 'var(--a2g-tint)' } }}
          >
            <AddRoundedIcon fontSize="large" />
            <Typography sx={{ fontWeight: 500 }}>{t('workspace.add')}</Typography>
          </Box>
        </Box>
      )}

      <AgentDialog
        open={dialogOpen}
        agent={editing}
        onClose={() => setDialogOpen(false)}
        onSaved={(a) => {
          replace(a)
          setDialogOpen(false)
          toast(t('agentForm.saved'))
        }}
      />
      <ConfirmDialog
        open={Boolean(deleting)}
        title={t('workspace.deleteTitle')}
        body={deleting ? t('workspace.deleteBody', { name: deleting.name }) : undefined}
        confirmLabel={t('common.delete')}
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return
          try {
            await agentsApi.remove(deleting.agent_id)
            setAgents((list) => (list ?? []).filter((x) => x.agent_id !== deleting.agent_id))
            toast(t('workspace.deletedToast'))
          } catch (e) {
            toast(errorMessage(e), 'error')
          }
        }}
      />
    </Page>
  )
}
