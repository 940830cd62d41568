/**
 * The bottom composer: a rounded box with an auto-growing text area, attachments with upload progress and
 * previews, and send. Enter sends, Shift+Enter adds a line.
 */
import { useRef, useState, type KeyboardEvent } from 'react'
import { Box, Chip, IconButton, InputBase, LinearProgress, Tooltip, Typography } from '@mui/material'
import AttachFileRoundedIcon from '@mui/icons-material/AttachFileRounded'
import ArrowUpwardRoundedIcon from '@mui/icons-material/ArrowUpwardRounded'
import StopRoundedIcon from '@mui/icons-material/StopRounded'
import CloseRoundedIcon from '@mui/icons-material/CloseRounded'
import InsertDriveFileOutlinedIcon from '@mui/icons-material/InsertDriveFileOutlined'
import { useTranslation } from 'react-i18next'
import { filesApi, uploadToPresigned } from '../../api/endpoints'
import { errorMessage } from '../../lib/errors'
import type { Attachment } from '../../api/types'
import { localPreviews } from './AttachmentView'

interface PendingFile {
  key: string
  file: File
  progress: number
  attachment: Attachment | null
  error: string | null
  preview: string | null
}

export function Composer({ placeholder, disabled, sessionId, onSend, ensureSession, streaming, stopping, onStop }: {
  placeholder: string
  disabled?: boolean
  /** An answer is streaming: Stop takes the send button's place. */
  streaming?: boolean
  stopping?: boolean
  onStop?: () => void
  sessionId: string | null
  onSend: (text: string, attachments: Attachment[]) => Promise<void> | void
  ensureSession: () => Promise<string>
}) {
  const { t } = useTranslation()
  const [text, setText] = useState('')
  const [files, setFiles] = useState<PendingFile[]>([])
  const inputRef = useRef<HTMLInputElement>(null)
  const uploading = files.some((f) => !f.attachment && !f.error)
  const canSend = !disabled && !uploading && (text.trim().length > 0 || files.some((f) => f.attachment))

  const update = (key: string, patch: Partial<PendingFile>) => setFiles((fs) => fs.map((f) => (f.key === key ? { ...f, ...patch } : f)))

  // Takes an array, not the input's FileList: the input is cleared right after picking (so the same file can be
  // picked again), which empties a FileList still being read after the `await` below.
  const addFiles = async (picked: File[]) => {
    if (!picked.length) return
    const sid = sessionId ?? (await ensureSession())
    const added: PendingFile[] = picked.map((file, i) => ({
      key: `${Date.now()}-${i}-${file.name}`,
      file,
      progress: 0,
      attachment: null,
      error: null,
      preview: file.type.startsWith('image/') || file.type.startsWith('video/') ? URL.createObjectURL(file) : null,
    }))
    setFiles((fs) => [...fs, ...added])
    await Promise.all(
      added.map(async (p) => {
        try {
          const upload = await filesApi.createUpload(p.file, sid)
          await uploadToPresigned(upload, p.file, (fr) => update(p.key, { progress: fr }))
          if (p.preview) localPreviews.set(upload.file.file_id, p.preview)
          update(p.key, { attachment: upload.file, progress: 1 })
        } catch (e) {
          update(p.key, { error: errorMessage(e) })
        }
      }),
    )
  }

  const send = async () => {
    if (!canSend) return
    const attachments = files.map((f) => f.attachment).filter((a): a is Attachment => Boolean(a))
    const message = text.trim()
    setText('')
    setFiles([])
    await onSend(message, attachments)
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void send()
    }
  }

  return (
    <Box
      className="rounded-[28px] px-3 pt-2 pb-2 flex flex-col gap-2 transition-shadow"
      sx={{ bgcolor: 'var(--a2g-rail)', border: '1px solid var(--a2g-border)', '&:focus-within': { boxShadow: '0 0 0 2px var(--a2g-tint-strong)', bgcolor: 'var(--a2g-surface)' } }}
    >
      {files.length > 0 && (
        <Box className="flex flex-wrap gap-2 px-1 pt-1" aria-live="polite">
          {files.map((f) => (
            <Box key={f.key} className="relative rounded-2xl overflow-hidden flex items-center gap-2 pr-1" sx={{ bgcolor: 'var(--a2g-raised)', minWidth: 160, maxWidth: 240 }} data-testid="pending-attachment">
              {f.preview && f.file.type.startsWith('image/') ? (
                <img src={f.preview} alt="" className="w-12 h-12 object-cover" />
              ) : (
                <Box className="w-12 h-12 flex items-center justify-center"><InsertDriveFileOutlinedIcon /></Box>
              )}
              <Box className="min-w-0 flex-1 py-1">
                <Typography variant="caption" component="div" noWrap title={f.file.name}>
                  {f.file.name}
                </Typography>
                {f.error ? (
                  <Typography variant="caption" color="error" component="div" noWrap title={f.error}>
                    {t('playground.uploadFailed')}
                  </Typography>
                ) : (
                  <LinearProgress variant="determinate" value={Math.round(f.progress * 100)} sx={{ mt: 0.5, borderRadius: 4, height: 4 }} aria-label={`${f.file.name} ${Math.round(f.progress * 100)}%`} />
                )}
              </Box>
              <IconButton size="small" aria-label={`${t('common.remove')} ${f.file.name}`} onClick={() => setFiles((fs) => fs.filter((x) => x.key !== f.key))}>
                <CloseRoundedIcon fontSize="small" />
              </IconButton>
            </Box>
          ))}
        </Box>
      )}
      <InputBase
        multiline
        maxRows={10}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder={placeholder}
        inputProps={{ 'aria-label': placeholder, 'data-testid': 'composer-input' }}
        sx={{ px: 1.5, py: 1, fontSize: '1rem' }}
        autoFocus
      />
      <Box className="flex items-center gap-1">
        <input ref={inputRef} type="file" multiple hidden onChange={(e) => { void addFiles(Array.from(e.target.files ?? [])); e.target.value = '' }} data-testid="file-input" />
        <Tooltip title={t('playground.attach')}>
          <span>
            <IconButton aria-label={t('playground.attach')} onClick={() => inputRef.current?.click()} disabled={disabled}>
              <AttachFileRoundedIcon />
            </IconButton>
          </span>
        </Tooltip>
        {uploading && <Chip size="small" label={t('common.loading')} />}
        <Box className="flex-1" />
        {streaming && onStop ? (
          <Tooltip title={stopping ? t('playground.stopping') : t('playground.stop')}>
            <span>
              <IconButton
                aria-label={stopping ? t('playground.stopping') : t('playground.stop')}
                onClick={onStop}
                disabled={stopping}
                data-testid="stop"
                sx={{ bgcolor: 'var(--a2g-text)', color: 'var(--a2g-surface)', '&:hover': { bgcolor: 'var(--a2g-text)', opacity: 0.85 }, '&.Mui-disabled': { bgcolor: 'var(--a2g-raised)' } }}
              >
                <StopRoundedIcon />
              </IconButton>
            </span>
          </Tooltip>
        ) : (
        <Tooltip title={t('playground.send')}>
          <span>
            <IconButton
              aria-label={t('playground.send')}
              onClick={() => void send()}
              disabled={!canSend}
              data-testid="send"
              sx={{ bgcolor: canSend ? 'var(--a2g-accent)' : 'transparent', color: canSend ? 'var(--a2g-on-accent)' : undefined, '&:hover': { bgcolor: 'var(--a2g-accent)', opacity: 0.9 } }}
            >
              <ArrowUpwardRoundedIcon />
            </IconButton>
          </span>
        </Tooltip>
        )}
      </Box>
    </Box>
  )
}
