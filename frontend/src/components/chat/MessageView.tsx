import { Alert, Box, Button, IconButton, Tooltip, Typography } from '@mui/material'
import ReplayRoundedIcon from '@mui/icons-material/ReplayRounded'
import { answerDuration, formatTime } from '../../lib/format'
import { useTranslation } from 'react-i18next'
import type { Agent, ChatMessage } from '../../api/types'
import { AgentAvatar } from '../AgentAvatar'
import { CopyButton } from '../CopyButton'
import { AttachmentView } from './AttachmentView'
import { Markdown } from './Markdown'

function Thinking() {
  const { t } = useTranslation()
  return (
    <span className="inline-flex items-center gap-1.5 py-2" role="status" aria-label={t('playground.thinking')} style={{ color: 'var(--a2g-muted)' }}>
      <span className="a2g-dot" />
      <span className="a2g-dot" />
      <span className="a2g-dot" />
    </span>
  )
}

/**
 * `askedAt`: the question's time, so an answer shows how long it took. `onRetry`: sends the question again
 * when the answer failed.
 */
export function MessageView({ message, agent, askedAt, onRetry, onRegenerate }: { message: ChatMessage; agent: Agent; askedAt?: string; onRetry?: () => void; onRegenerate?: () => void }) {
  const { t, i18n } = useTranslation()
  const time = message.pending ? '' : formatTime(message.created_at, i18n.language)
  if (message.role === 'user') {
    return (
      <Box className="flex flex-col items-end gap-2" data-testid="message-user">
        {message.attachments.length > 0 && (
          <Box className="flex flex-wrap gap-2 justify-end">
            {message.attachments.map((a) => <AttachmentView key={a.file_id} attachment={a} />)}
          </Box>
        )}
        {message.content && (
          <Box className="px-5 py-3 max-w-[85%] whitespace-pre-wrap" sx={{ bgcolor: 'var(--a2g-raised)', borderRadius: '22px 22px 6px 22px', overflowWrap: 'anywhere' }}>
            {message.content}
          </Box>
        )}
        {time && (
          <Typography variant="caption" color="text.secondary" component="time" dateTime={message.created_at} data-testid="message-time">
            {time}
          </Typography>
        )}
      </Box>
    )
  }
  return (
    <Box className="flex gap-4 group" data-testid="message-assistant" aria-busy={message.pending ? 'true' : undefined}>
      <Box className="pt-0.5 shrink-0">
        <AgentAvatar agent={agent} size={32} />
      </Box>
      <Box className="min-w-0 flex-1 flex flex-col gap-2">
        <Typography sx={{ fontWeight: 600 }} variant="body2" color="text.secondary" className="flex items-baseline gap-2">
          {agent.name}
          {time && (
            <Typography variant="caption" component="time" dateTime={message.created_at} sx={{ fontWeight: 400 }} data-testid="message-time">
              {time}
              {answerDuration(askedAt, message.created_at) && ` · ${answerDuration(askedAt, message.created_at)}`}
            </Typography>
          )}
        </Typography>
        {message.content ? <Markdown text={message.content} /> : message.pending ? <Thinking /> : null}
        {message.attachments.length > 0 && (
          <Box className="flex flex-wrap gap-2">
            {message.attachments.map((a) => <AttachmentView key={a.file_id} attachment={a} />)}
          </Box>
        )}
        {message.error && (
          <Alert
            severity="error"
            variant="outlined"
            sx={{ borderRadius: 3 }}
            action={onRetry && <Button color="inherit" size="small" onClick={onRetry} data-testid="answer-retry">{t('errorActions.retry')}</Button>}
          >
            {message.error}
          </Alert>
        )}
        {!message.pending && message.content && (
          <Box className="opacity-0 group-hover:opacity-100 focus-within:opacity-100 transition-opacity -ml-2 flex items-center">
            <CopyButton text={message.content} />
            {onRegenerate && (
              <Tooltip title={t('playground.regenerate')}>
                <IconButton size="small" aria-label={t('playground.regenerate')} onClick={onRegenerate} data-testid="regenerate">
                  <ReplayRoundedIcon fontSize="small" />
                </IconButton>
              </Tooltip>
            )}
          </Box>
        )}
      </Box>
    </Box>
  )
}
