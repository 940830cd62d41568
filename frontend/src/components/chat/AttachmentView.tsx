/**
 * A file in a message: images and videos preview inline and open in a lightbox; PDF, text, CSV and Markdown
 * are a chip that opens a preview; anything else is a chip that downloads. Download URLs are short-lived, so
 * they are fetched when needed, not stored.
 */
import { useEffect, useState } from 'react'
import { Box, Chip, CircularProgress, IconButton, Tooltip, Typography } from '@mui/material'
import InsertDriveFileOutlinedIcon from '@mui/icons-material/InsertDriveFileOutlined'
import DownloadRoundedIcon from '@mui/icons-material/DownloadRounded'
import { useTranslation } from 'react-i18next'
import { filesApi } from '../../api/endpoints'
import type { Attachment } from '../../api/types'
import { formatBytes } from '../../lib/format'
import { previewKind } from '../../lib/attachments'
import { AttachmentPreview } from './AttachmentPreview'

/** Object URLs of files this tab uploaded, so they preview without a round trip. */
export const localPreviews = new Map<string, string>()

export function isImage(a: Attachment) {
  return a.content_type.startsWith('image/')
}
export function isVideo(a: Attachment) {
  return a.content_type.startsWith('video/')
}

function useFileUrl(a: Attachment, wanted: boolean): { url: string | null; error: boolean } {
  const [url, setUrl] = useState<string | null>(localPreviews.get(a.file_id) ?? null)
  const [error, setError] = useState(false)
  useEffect(() => {
    if (!wanted || url || !a.file_id || a.file_id.startsWith('local-')) return
    let live = true
    filesApi.download(a.file_id).then(
      (d) => live && setUrl(d.url),
      () => live && setError(true),
    )
    return () => {
      live = false
    }
  }, [a.file_id, wanted, url])
  return { url, error }
}

async function download(a: Attachment) {
  const local = localPreviews.get(a.file_id)
  const url = local ?? (await filesApi.download(a.file_id)).url
  const link = document.createElement('a')
  link.href = url
  link.download = a.filename
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
}

export function AttachmentView({ attachment }: { attachment: Attachment }) {
  const { t } = useTranslation()
  const media = isImage(attachment) || isVideo(attachment)
  const kind = previewKind(attachment)
  const [open, setOpen] = useState(false)
  const { url, error } = useFileUrl(attachment, media || open)
  const [busy, setBusy] = useState(false)
  const preview = open && kind && (
    <AttachmentPreview attachment={attachment} kind={kind} url={url} onClose={() => setOpen(false)} onDownload={() => void download(attachment)} />
  )
  const dl = (
    <Tooltip title={`${t('common.download')} ${attachment.filename}`}>
      <IconButton
        size="small"
        aria-label={`${t('common.download')} ${attachment.filename}`}
        onClick={async () => {
          setBusy(true)
          try {
            await download(attachment)
          } finally {
            setBusy(false)
          }
        }}
      >
        {busy ? <CircularProgress size={16} /> : <DownloadRoundedIcon fontSize="small" />}
      </IconButton>
    </Tooltip>
  )
  if (media && !error) {
    return (
      <Box className="relative inline-flex flex-col rounded-2xl overflow-hidden max-w-[320px]" sx={{ border: '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-rail)' }} data-testid="attachment-media">
        {!url && <Box className="w-[240px] h-[160px] flex items-center justify-center"><CircularProgress size={20} /></Box>}
        {url && isImage(attachment) && (
          <button type="button" onClick={() => setOpen(true)} className="block p-0 border-0 bg-transparent cursor-zoom-in" aria-label={`${t('files.open')} ${attachment.filename}`} data-testid="attachment-open">
            <img src={url} alt={attachment.filename} className="block max-h-[260px] object-contain" />
          </button>
        )}
        {url && isVideo(attachment) && <video src={url} controls className="block max-h-[260px]" aria-label={attachment.filename} />}
        <Box className="flex items-center justify-between gap-2 pl-3 pr-1 py-0.5">
          <Typography variant="caption" noWrap title={attachment.filename}>
            {attachment.filename}
          </Typography>
          {dl}
        </Box>
        {preview}
      </Box>
    )
  }
  return (
    <>
    <Chip
      onClick={kind ? () => setOpen(true) : () => void download(attachment)}
      aria-label={`${kind ? t('files.open') : t('common.download')} ${attachment.filename}`}
      data-testid={kind ? 'attachment-open' : 'attachment-download'}
      icon={<InsertDriveFileOutlinedIcon />}
      label={
        <span className="inline-flex items-center gap-2">
          <span className="max-w-[200px] truncate">{attachment.filename}</span>
          <span style={{ opacity: 0.7 }}>{formatBytes(attachment.size)}</span>
        </span>
      }
      onDelete={() => void download(attachment)}
      deleteIcon={<DownloadRoundedIcon aria-label={`${t('common.download')} ${attachment.filename}`} />}
      sx={{ height: 40, borderRadius: 3, bgcolor: 'var(--a2g-raised)' }}
    />
    {preview}
    </>
  )
}
