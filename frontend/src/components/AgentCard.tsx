import type { ReactNode } from 'react'
import { Link as RouterLink } from 'react-router-dom'
import { Box, Card, Chip, IconButton, Tooltip, Typography } from '@mui/material'
import EditRoundedIcon from '@mui/icons-material/EditRounded'
import DeleteOutlineRoundedIcon from '@mui/icons-material/DeleteOutlineRounded'
import PublishRoundedIcon from '@mui/icons-material/PublishRounded'
import UnpublishedRoundedIcon from '@mui/icons-material/UnpublishedRounded'
import { useTranslation } from 'react-i18next'
import { isPublished, type Agent } from '../api/types'
import { AgentAvatar, colorFor } from './AgentAvatar'

export function StatusChip({ status }: { status: string }) {
  const { t } = useTranslation()
  const s = status.toUpperCase()
  const label = isPublished(s) ? t('workspace.published') : s === 'DISABLED' ? t('workspace.disabled') : t('workspace.development')
  const color = isPublished(s) ? 'success' : s === 'DISABLED' ? 'default' : 'warning'
  return <Chip size="small" label={label} color={color} variant="outlined" sx={{ fontWeight: 500 }} />
}

export function FrameworkChip({ framework }: { framework: string }) {
  const { t } = useTranslation()
  const label = t(`agentForm.frameworks.${framework}`, { defaultValue: framework })
  return <Chip size="small" label={label} sx={{ bgcolor: 'var(--a2g-raised)', fontWeight: 500 }} />
}

export function SkillChips({ skills, max = 4 }: { skills: string[]; max?: number }) {
  if (!skills.length) return null
  const shown = skills.slice(0, max)
  return (
    <Box className="flex flex-wrap gap-1.5">
      {shown.map((s) => (
        <Chip key={s} size="small" label={s} variant="outlined" sx={{ borderColor: 'var(--a2g-border)', color: 'text.secondary' }} />
      ))}
      {skills.length > max && <Chip size="small" label={`+${skills.length - max}`} variant="outlined" sx={{ borderColor: 'var(--a2g-border)' }} />}
    </Box>
  )
}

/**
 * One agent: opens its playground; the owner's actions sit in the footer. `forUsers` (operation mode):
 * people choosing an agent see who offers it, not developer metadata (framework, publishing status), and the
 * ranking's reason as a quiet line rather than the card's most prominent slot.
 */
export function AgentCard({ agent, to, actions, reason, rank, forUsers = false, owner, teamUsers }: { agent: Agent; to: string; actions?: ReactNode; reason?: string; rank?: number; forUsers?: boolean; owner?: { name: string; team: string }; teamUsers?: number }) {
  const { t } = useTranslation()
  const band = agent.color || colorFor(agent.agent_id || agent.name)
  return (
    <Card
      className="flex flex-col h-full transition-shadow hover:shadow-lg"
      sx={{ position: 'relative', overflow: 'hidden', '&:focus-within': { boxShadow: '0 0 0 2px var(--a2g-accent)' } }}
      data-testid="agent-card"
    >
      <Box sx={{ height: 6, bgcolor: band }} aria-hidden />
      <Box component={RouterLink} to={to} className="flex flex-col gap-3 p-5 pb-3 flex-1 no-underline" sx={{ color: 'inherit', outline: 'none' }}>
        <Box className="flex items-start gap-3">
          <AgentAvatar agent={agent} />
          <Box className="min-w-0 flex-1">
            <Typography sx={{ fontWeight: 600, fontSize: '1.05rem', display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', overflowWrap: 'anywhere' }} title={agent.name}>
              {agent.name}
            </Typography>
            {forUsers ? (
              // Wraps rather than truncating: who offers the agent is what people choose by, and a name with
              // a team does not fit one line of a narrow card. Without a known owner nothing is shown (the
              // owner's id means nothing to a colleague).
              owner && (
                <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }} data-testid="agent-owner">
                  {t('operation.offeredBy', { owner: owner.team ? t('operation.ownerTeam', { owner: owner.name, team: owner.team }) : owner.name })}
                </Typography>
              )
            ) : (
              <Box className="flex gap-1.5 mt-1 flex-wrap">
                <FrameworkChip framework={agent.framework} />
                <StatusChip status={agent.status} />
              </Box>
            )}
          </Box>
          {rank !== undefined && (
            <Box className="text-sm font-semibold rounded-full w-8 h-8 flex items-center justify-center shrink-0" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }} aria-label={`#${rank}`}>
              {rank}
            </Box>
          )}
        </Box>
        <Typography variant="body2" color="text.secondary" sx={{ display: '-webkit-box', WebkitLineClamp: 3, WebkitBoxOrient: 'vertical', overflow: 'hidden', minHeight: '3.9em' }}>
          {agent.description || '—'}
        </Typography>
        <SkillChips skills={agent.skills} />
        {forUsers && teamUsers !== undefined && teamUsers > 0 && (
          <Typography variant="caption" color="text.secondary" data-testid="team-users">
            {t('operation.teamUsers', { count: teamUsers })}
          </Typography>
        )}
        {reason && (
          <Typography variant="caption" color="text.secondary" data-testid="rank-reason">
            {reason}
          </Typography>
        )}
      </Box>
      {actions && (
        <Box className="flex items-center gap-0.5 px-3 pb-3 pt-1" sx={{ borderTop: '1px solid var(--a2g-border)' }}>
          {actions}
        </Box>
      )}
    </Card>
  )
}

export function OwnerActions(props: { agent: Agent; onEdit: () => void; onDelete: () => void; onPublish: () => void; onWithdraw: () => void; busy?: boolean }) {
  const { t } = useTranslation()
  const published = isPublished(props.agent.status)
  return (
    <>
      <Tooltip title={t('common.edit')}>
        <IconButton aria-label={`${t('common.edit')} ${props.agent.name}`} onClick={props.onEdit} size="small">
          <EditRoundedIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title={published ? t('workspace.withdraw') : t('workspace.publish')}>
        <span>
          <IconButton
            aria-label={`${published ? t('workspace.withdraw') : t('workspace.publish')} ${props.agent.name}`}
            onClick={published ? props.onWithdraw : props.onPublish}
            size="small"
            disabled={props.busy}
          >
            {published ? <UnpublishedRoundedIcon fontSize="small" /> : <PublishRoundedIcon fontSize="small" />}
          </IconButton>
        </span>
      </Tooltip>
      <Box className="flex-1" />
      <Tooltip title={t('common.delete')}>
        <IconButton aria-label={`${t('common.delete')} ${props.agent.name}`} onClick={props.onDelete} size="small">
          <DeleteOutlineRoundedIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </>
  )
}
