/**
 * A file opened from the chat: an image in a lightbox, a PDF in the browser's viewer, Markdown rendered,
 * CSV as a table, text as text; a download button in every case. The bytes come from the file's short-lived
 * URL; PDFs are shown from a blob so the browser never needs the stored file to be served inline.
 */
import { useEffect, useState } from 'react'
import { Box, Dialog, IconButton, Tooltip, Typography } from '@mui/material'
import CloseRoundedIcon from '@mui/icons-material/CloseRounded'
import DownloadRoundedIcon from '@mui/icons-material/DownloadRounded'
import { useTranslation } from 'react-i18next'
import type { Attachment } from '../../api/types'
import { MAX_TEXT_PREVIEW_BYTES, parseCsv, type PreviewKind } from '../../lib/attachments'
import { ErrorState, LoadingState } from '../States'
import { Markdown } from './Markdown'

type Loaded = { text: string; cut: boolean } | { blobUrl: string }

function useContent(url: string | null, kind: PreviewKind): { content: Loaded | null; failed: boolean } {
  const [content, setContent] = useState<Loaded | null>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    if (!url || kind === 'image' || kind === 'video') return
    let live = true
    let blobUrl: string | null = null
    fetch(url)
      .then(async (r) => {
        if (!r.ok) throw new Error(String(r.status))
        const blob = await r.blob()
        if (kind === 'pdf') {
          blobUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }))
          if (live) setContent({ blobUrl })
          return
        }
        const text = await blob.slice(0, MAX_TEXT_PREVIEW_BYTES).text()
        if (live) setContent({ text, cut: blob.size > MAX_TEXT_PREVIEW_BYTES })
      })
      .catch(() => live && setFailed(true))
    return () => {
      live = false
      if (blobUrl) URL.revokeObjectURL(blobUrl)
    }
  }, [url, kind])
  return { content, failed }
}

function CsvTable({ text }: { text: string }) {
  const { t } = useTranslation()
  const { rows, more } = parseCsv(text)
  const [head, ...body] = rows
  return (
    <Box className="overflow-auto a2g-scroll" tabIndex={0} aria-label={t('files.table')} data-testid="preview-csv">
      <table className="a2g-csv">
        {head && (
          <thead>
            <tr>{head.map((c, i) => <th key={i} scope="col">{c}</th>)}</tr>
          </thead>
        )}
        <tbody>
          {body.map((r, i) => (
            <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {more && <Typography variant="caption" color="text.secondary" className="block p-3">{t('files.moreRows')}</Typography>}
    </Box>
  )
}

export function AttachmentPreview({ attachment, kind, url, onClose, onDownload }: {
  attachment: Attachment
  kind: PreviewKind
  url: string | null
  onClose: () => void
  onDownload: () => void
}) {
  const { t } = useTranslation()
  const { content, failed } = useContent(url, kind)
  const lightbox = kind === 'image' || kind === 'video'
  let body
  if (failed) body = <Box className="p-6"><ErrorState message={t('files.previewFailed')} /></Box>
  else if (lightbox && url)
    body = kind === 'image'
      ? <img src={url} alt={attachment.filename} className="block max-w-full max-h-[calc(100dvh-8rem)] mx-auto object-contain" data-testid="preview-image" />
      : <video src={url} controls autoPlay className="block max-w-full max-h-[calc(100dvh-8rem)] mx-auto" aria-label={attachment.filename} />
  else if (!content) body = <Box className="p-6"><LoadingState /></Box>
  else if ('blobUrl' in content) body = <iframe src={content.blobUrl} title={attachment.filename} className="w-full h-[calc(100dvh-9rem)] border-0 block" data-testid="preview-pdf" />
  else if (kind === 'csv') body = <CsvTable text={content.text} />
  else
    body = (
      <Box className="p-5 overflow-auto a2g-scroll" data-testid={`preview-${kind}`}>
        {kind === 'markdown' ? <Markdown text={content.text} /> : <pre tabIndex={0} aria-label={attachment.filename} className="m-0 whitespace-pre-wrap text-sm" style={{ overflowWrap: 'anywhere' }}>{content.text}</pre>}
      </Box>
    )
  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth={lightbox ? 'lg' : 'md'}
      aria-label={attachment.filename}
      slotProps={lightbox ? { paper: { sx: { bgcolor: 'rgba(20,20,22,.96)', color: '#fff' } } } : undefined}
      data-testid="attachment-preview"
    >
      <Box className="flex items-center gap-2 pl-5 pr-2 h-14 shrink-0" sx={{ borderBottom: lightbox ? 0 : '1px solid var(--a2g-border)' }}>
        <Typography component="h2" sx={{ fontWeight: 600 }} noWrap className="flex-1 min-w-0" title={attachment.filename}>
          {attachment.filename}
        </Typography>
        <Tooltip title={t('common.download')}>
          <IconButton onClick={onDownload} aria-label={`${t('common.download')} ${attachment.filename}`} sx={{ color: 'inherit' }}>
            <DownloadRoundedIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title={t('common.close')}>
          <IconButton onClick={onClose} aria-label={t('common.close')} sx={{ color: 'inherit' }} data-testid="preview-close">
            <CloseRoundedIcon />
          </IconButton>
        </Tooltip>
      </Box>
      <Box className={lightbox ? 'p-3 pt-0' : ''}>{body}</Box>
      {content && 'cut' in content && content.cut && (
        <Typography variant="caption" color="text.secondary" className="px-5 pb-3">{t('files.cut')}</Typography>
      )}
    </Dialog>
  )
}
