import { useState, type KeyboardEvent } from 'react'
import { Alert, Box, Button, IconButton, InputBase, Tooltip, Typography } from '@mui/material'
import ReplayRoundedIcon from '@mui/icons-material/ReplayRounded'
import EditOutlinedIcon from '@mui/icons-material/EditOutlined'
import StopCircleOutlinedIcon from '@mui/icons-material/StopCircleOutlined'
import { answerDuration, formatDateTime, formatTime } from '../../lib/format'
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

/** Edit and resend: the question in a text box; Enter (or Send) replaces it and its answer, Escape cancels. */
function EditBox({ initial, onSave, onCancel }: { initial: string; onSave: (text: string) => void; onCancel: () => void }) {
  const { t } = useTranslation()
  const [text, setText] = useState(initial)
  const save = () => text.trim() && onSave(text.trim())
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      save()
    } else if (e.key === 'Escape') onCancel()
  }
  return (
    <Box className="w-full max-w-[85%] flex flex-col gap-2 rounded-3xl p-3" sx={{ bgcolor: 'var(--a2g-raised)', border: '1px solid var(--a2g-border)' }} data-testid="edit-box">
      <InputBase multiline autoFocus maxRows={12} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown}
        inputProps={{ 'aria-label': t('playground.editMessage'), 'data-testid': 'edit-input' }} sx={{ px: 1, fontSize: '1rem' }} />
      <Box className="flex justify-end gap-2">
        <Button size="small" onClick={onCancel} data-testid="edit-cancel">{t('common.cancel')}</Button>
        <Button size="small" variant="contained" onClick={save} disabled={!text.trim()} data-testid="edit-send">{t('playground.send')}</Button>
      </Box>
    </Box>
  )
}

/**
 * `askedAt`: the question's time, so an answer shows how long it took. `onRetry`: sends the question again
 * when the answer failed. `onEdit`: the last question can be edited and sent again (it and its answer are
 * replaced, as Regenerate replaces the answer).
 */
export function MessageView({ message, agent, askedAt, onRetry, onRegenerate, onEdit }: { message: ChatMessage; agent: Agent; askedAt?: string; onRetry?: () => void; onRegenerate?: () => void; onEdit?: (text: string) => void }) {
  const { t, i18n } = useTranslation()
  const [editing, setEditing] = useState(false)
  const time = message.pending ? '' : formatTime(message.created_at, i18n.language, { seconds: false })
  if (message.role === 'user') {
    if (editing && onEdit)
      return (
        <Box className="flex flex-col items-end gap-2" data-testid="message-user">
          <EditBox initial={message.content} onCancel={() => setEditing(false)} onSave={(text) => { setEditing(false); onEdit(text) }} />
        </Box>
      )
    return (
      <Box className="flex flex-col items-end gap-1.5 group" data-testid="message-user">
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
        <Box className="flex items-center gap-0.5 a2g-msg-actions" data-keep={onEdit ? '' : undefined}>
          {time && (
            <Typography variant="caption" color="text.secondary" component="time" dateTime={message.created_at} title={formatDateTime(message.created_at, i18n.language)} data-testid="message-time" sx={{ mr: 0.5 }}>
              {time}
            </Typography>
          )}
          {message.content && <CopyButton text={message.content} label={t('playground.copyMessage')} />}
          {onEdit && (
            <Tooltip title={t('playground.edit')}>
              <IconButton size="small" aria-label={t('playground.edit')} onClick={() => setEditing(true)} data-testid="edit">
                <EditOutlinedIcon fontSize="small" />
              </IconButton>
            </Tooltip>
          )}
        </Box>
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
            <Typography variant="caption" component="time" dateTime={message.created_at} title={formatDateTime(message.created_at, i18n.language)} sx={{ fontWeight: 400 }} data-testid="message-time">
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
        {message.stopped && (
          <Typography variant="caption" color="text.secondary" className="flex items-center gap-1" data-testid="answer-stopped">
            <StopCircleOutlinedIcon sx={{ fontSize: 16 }} aria-hidden />
            {t('playground.stopped')}
          </Typography>
        )}
        {!message.pending && (message.content || onRegenerate) && (
          <Box className="a2g-msg-actions -ml-2 flex items-center" data-keep={onRegenerate ? '' : undefined}>
            {message.content && <CopyButton text={message.content} label={t('playground.copyMessage')} />}
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
