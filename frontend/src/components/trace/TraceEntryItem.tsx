import { useEffect, useState } from 'react'
import { Box, Chip, Collapse, Typography } from '@mui/material'
import ExpandMoreRoundedIcon from '@mui/icons-material/ExpandMoreRounded'
import { useTranslation } from 'react-i18next'
import type { TraceEntry } from '../../api/types'
import { errorMessage } from '../../lib/errors'
import { useTraceStore } from '../../store/trace'
import { colorFor } from '../AgentAvatar'
import { formatTime, prettyJson } from '../../lib/format'
import { CopyButton } from '../CopyButton'

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  const text = prettyJson(value)
  if (!text) return null
  return (
    <Box>
      <Box className="flex items-center justify-between">
        <Typography sx={{ fontWeight: 600 }} variant="caption" color="text.secondary">
          {label}
        </Typography>
        <CopyButton text={text} label={`Copy ${label}`} />
      </Box>
      <Box component="pre" className="m-0 p-3 rounded-xl overflow-auto a2g-scroll text-xs leading-relaxed" sx={{ bgcolor: 'var(--a2g-rail)', maxHeight: 280, fontFamily: 'ui-monospace, Menlo, Consolas, monospace', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {text}
      </Box>
    </Box>
  )
}

/** One LLM call; the colour and tag say which (sub-)agent made it. */
export function TraceEntryItem({ entry }: { entry: TraceEntry }) {
  const { t, i18n } = useTranslation()
  const [open, setOpen] = useState(false)
  const [wholeError, setWholeError] = useState<string | null>(null)
  // A call too big for a live push arrives shortened; opening it fetches the whole stored one.
  useEffect(() => {
    if (!open || !entry.truncated || !entry.entry_id) return
    setWholeError(null)
    useTraceStore.getState().loadWhole(entry.trace_id, entry.entry_id).catch((e) => setWholeError(errorMessage(e)))
  }, [open, entry.truncated, entry.trace_id, entry.entry_id])
  const agentKey = entry.agent_id || 'agent'
  const color = colorFor(agentKey)
  const failed = entry.status === 'error' || Boolean(entry.error)
  const running = entry.status === 'running'
  return (
    <Box className="rounded-2xl overflow-hidden" sx={{ border: '1px solid var(--a2g-border)', borderLeft: `5px solid ${color}`, bgcolor: failed ? 'rgba(217,48,37,.06)' : 'var(--a2g-surface)' }} data-testid="trace-entry">
      <Box component="button" type="button" onClick={() => setOpen((o) => !o)} aria-expanded={open} className="w-full text-left bg-transparent border-0 cursor-pointer px-3 py-2.5 flex flex-col gap-1.5" sx={{ color: 'inherit' }}>
        <Box className="flex items-center gap-2 min-w-0">
          <Chip size="small" label={agentKey} sx={{ bgcolor: color, color: '#1f1f1f', fontWeight: 600, height: 22, maxWidth: 150 }} data-testid="trace-agent-tag" />
          <Typography variant="body2" className="truncate flex-1" sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>
            {entry.model || '—'}
          </Typography>
          <ExpandMoreRoundedIcon fontSize="small" sx={{ transform: open ? 'rotate(180deg)' : 'none', transition: 'transform .2s', color: 'var(--a2g-muted)' }} />
        </Box>
        <Box className="flex items-center gap-3 text-xs" sx={{ color: 'var(--a2g-muted)' }}>
          <span>{formatTime(entry.created_at, i18n.language)}</span>
          {entry.api && <span data-testid="trace-entry-api">{entry.api}</span>}
          {!running && <span>{t('trace.tokens', { count: entry.total_tokens })}</span>}
          {!running && <span>{t('trace.latency', { ms: Math.round(entry.latency_ms) })}</span>}
          {failed && <Chip size="small" color="error" label={t('trace.error')} sx={{ height: 18, fontSize: '0.7rem' }} />}
          {running && <Chip size="small" color="info" label={t('trace.running')} sx={{ height: 18, fontSize: '0.7rem' }} data-testid="trace-entry-running" />}
        </Box>
        {entry.output_text && (
          <Typography variant="body2" className="line-clamp-3" sx={{ color: 'var(--a2g-muted)', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="trace-entry-output">
            {entry.output_text}
          </Typography>
        )}
      </Box>
      <Collapse in={open} unmountOnExit>
        <Box className="flex flex-col gap-2 px-3 pb-3">
          {entry.truncated && (
            <Typography variant="caption" color={wholeError ? 'error' : 'text.secondary'} data-testid="trace-entry-whole">
              {wholeError ? t('trace.wholeError', { message: wholeError }) : t('trace.loadingWhole')}
            </Typography>
          )}
          {entry.error && (
            <Typography variant="body2" color="error">
              {entry.error}
            </Typography>
          )}
          <Typography variant="caption" color="text.secondary">
            prompt {entry.prompt_tokens} · completion {entry.completion_tokens} · total {entry.total_tokens}
          </Typography>
          <JsonBlock label={t('trace.request')} value={entry.request} />
          <JsonBlock label={t('trace.response')} value={entry.response} />
        </Box>
      </Collapse>
    </Box>
  )
}
