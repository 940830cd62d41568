import { useState } from 'react'
import { Box, Button, IconButton, Skeleton, Tooltip, Typography } from '@mui/material'
import AddRoundedIcon from '@mui/icons-material/AddRounded'
import DeleteOutlineRoundedIcon from '@mui/icons-material/DeleteOutlineRounded'
import ChatBubbleOutlineRoundedIcon from '@mui/icons-material/ChatBubbleOutlineRounded'
import { useTranslation } from 'react-i18next'
import { useChatStore } from '../../store/chat'
import { ConfirmDialog } from '../ConfirmDialog'
import { ErrorState } from '../States'
import { toast } from '../Toaster'
import { errorMessage } from '../../lib/errors'

/** `embedded`: inside the narrow screen's drawer, which gives it the whole drawer width. */
export function SessionsSidebar({ onNew, embedded = false }: { onNew: () => void; embedded?: boolean }) {
  const { t } = useTranslation()
  const { sessions, sessionsLoading, sessionsError, activeSessionId, selectSession, deleteSession, agentId, openAgent } = useChatStore()
  const [deleting, setDeleting] = useState<string | null>(null)
  return (
    <Box component="aside" aria-label={t('playground.sessionsPanel')} className={`flex flex-col h-full shrink-0 px-3 py-4 gap-3 ${embedded ? 'w-[min(300px,85vw)]' : 'w-[248px]'}`} sx={{ borderRight: '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-surface)' }}>
      <Button variant="contained" startIcon={<AddRoundedIcon />} onClick={onNew} sx={{ justifyContent: 'flex-start', py: 1.2, bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)', '&:hover': { bgcolor: 'var(--a2g-tint-strong)' } }} data-testid="new-chat">
        {t('playground.newChat')}
      </Button>
      <Typography variant="overline" color="text.secondary" className="px-2 pt-2">
        {t('playground.history')}
      </Typography>
      <Box className="flex-1 overflow-auto a2g-scroll -mx-1 px-1 flex flex-col gap-0.5" role={sessions.length ? 'list' : undefined}>
        {sessionsLoading && [0, 1, 2].map((i) => <Skeleton key={i} variant="rounded" height={36} sx={{ mb: 0.5 }} />)}
        {sessionsError && <ErrorState message={sessionsError} onRetry={() => agentId && void openAgent(agentId)} />}
        {!sessionsLoading && !sessionsError && sessions.length === 0 && (
          <Box className="flex flex-col items-center gap-2 py-8 text-center" sx={{ color: 'var(--a2g-muted)' }}>
            <ChatBubbleOutlineRoundedIcon />
            <Typography variant="body2">{t('playground.noSessions')}</Typography>
          </Box>
        )}
        {sessions.map((s) => {
          const active = s.session_id === activeSessionId
          return (
            <Box key={s.session_id} role="listitem" className="group flex items-center rounded-full pr-1" sx={{ bgcolor: active ? 'var(--a2g-tint-strong)' : undefined, color: active ? 'var(--a2g-on-tint)' : undefined, '&:hover': { bgcolor: active ? undefined : 'var(--a2g-raised)' } }}>
              <Box component="button" type="button" onClick={() => void selectSession(s.session_id)} aria-current={active ? 'true' : undefined} className="flex-1 min-w-0 text-left bg-transparent border-0 cursor-pointer py-2 pl-4 pr-1 text-sm truncate" sx={{ color: 'inherit', fontWeight: active ? 600 : 400 }} data-testid="session-item">
                {s.title || t('playground.untitled')}
              </Box>
              <Tooltip title={t('playground.deleteSession')}>
                <IconButton size="small" aria-label={`${t('playground.deleteSession')}: ${s.title || t('playground.untitled')}`} onClick={() => setDeleting(s.session_id)} className="a2g-session-delete" sx={{ color: 'inherit' }}>
                  <DeleteOutlineRoundedIcon fontSize="small" />
                </IconButton>
              </Tooltip>
            </Box>
          )
        })}
      </Box>
      <ConfirmDialog
        open={Boolean(deleting)}
        title={t('playground.deleteSessionConfirm')}
        confirmLabel={t('common.delete')}
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return
          try {
            await deleteSession(deleting)
            toast(t('playground.sessionDeleted'))
          } catch (e) {
            toast(errorMessage(e), 'error')
          }
        }}
      />
    </Box>
  )
}
