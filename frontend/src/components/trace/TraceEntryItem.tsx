import { useEffect, useMemo, useState } from 'react'
import { Box, Chip, Collapse, FormControlLabel, Switch, Tab, Tabs, Typography } from '@mui/material'
import ExpandMoreRoundedIcon from '@mui/icons-material/ExpandMoreRounded'
import { useTranslation } from 'react-i18next'
import type { TraceEntry } from '../../api/types'
import { errorMessage } from '../../lib/errors'
import { useTraceStore } from '../../store/trace'
import { formatTime, prettyJson } from '../../lib/format'
import { CopyButton } from '../CopyButton'
import { agentLabel } from './agentColors'
import { callMessages, callToolCalls } from './callDetail'

const MONO = 'ui-monospace, Menlo, Consolas, monospace'

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  const { t } = useTranslation()
  const text = prettyJson(value)
  if (!text) return null
  return (
    <Box>
      <Box className="flex items-center justify-between">
        <Typography sx={{ fontWeight: 600 }} variant="caption" color="text.secondary">
          {label}
        </Typography>
        <CopyButton text={text} label={t('trace.detail.copyOf', { what: label })} />
      </Box>
      <Box component="pre" tabIndex={0} aria-label={label} className="m-0 p-3 rounded-xl overflow-auto a2g-scroll text-xs leading-relaxed" sx={{ bgcolor: 'var(--a2g-rail)', maxHeight: 280, fontFamily: MONO, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {text}
      </Box>
    </Box>
  )
}

type DetailTab = 'messages' | 'tools' | 'usage'

/** The call opened: its conversation, the tools it asked for and its usage, or the raw request and response. */
function CallDetail({ entry }: { entry: TraceEntry }) {
  const { t } = useTranslation()
  const [tab, setTab] = useState<DetailTab>('messages')
  const [raw, setRaw] = useState(false)
  const messages = useMemo(() => callMessages(entry.request, entry.response, entry.output_text), [entry.request, entry.response, entry.output_text])
  const tools = useMemo(() => callToolCalls(entry.response), [entry.response])
  const usage: [string, string][] = [
    [t('trace.detail.model'), entry.model || '—'],
    [t('trace.detail.api'), [entry.api, entry.provider].filter(Boolean).join(' · ') || '—'],
    [t('trace.detail.promptTokens'), entry.prompt_tokens.toLocaleString()],
    [t('trace.detail.completionTokens'), entry.completion_tokens.toLocaleString()],
    [t('trace.detail.totalTokens'), entry.total_tokens.toLocaleString()],
    [t('trace.detail.latency'), entry.status === 'running' ? t('trace.running') : t('trace.latency', { ms: Math.round(entry.latency_ms) })],
    ...(entry.stop_reason ? ([[t('trace.detail.stopReason'), entry.stop_reason]] as [string, string][]) : []),
  ]
  return (
    <Box className="flex flex-col gap-2" data-testid="trace-entry-detail">
      <Box className="flex items-center gap-2">
        <Typography variant="caption" color="text.secondary" sx={{ fontWeight: 600 }} className="flex-1">
          {t('trace.detail.title')}
        </Typography>
        <FormControlLabel
          control={<Switch size="small" checked={raw} onChange={(e) => setRaw(e.target.checked)} data-testid="detail-raw" />}
          label={<Typography variant="caption">{t('trace.detail.raw')}</Typography>}
          sx={{ mr: 0 }}
        />
      </Box>
      {!raw && (
        <Tabs value={tab} onChange={(_, v: DetailTab) => setTab(v)} aria-label={t('trace.detail.title')} variant="scrollable" scrollButtons={false} sx={{ minHeight: 32, borderBottom: '1px solid var(--a2g-border)', '& .MuiTab-root': { minHeight: 32, minWidth: 0, py: 0.25, px: 1.25, fontSize: '0.8rem', textTransform: 'none' } }}>
          <Tab value="messages" label={t('trace.detail.messages', { count: messages.length })} data-testid="detail-tab-messages" />
          <Tab value="tools" label={t('trace.detail.tools', { count: tools.length })} data-testid="detail-tab-tools" />
          <Tab value="usage" label={t('trace.detail.usage')} data-testid="detail-tab-usage" />
        </Tabs>
      )}
      {raw ? (
        <>
          <JsonBlock label={t('trace.request')} value={entry.request} />
          <JsonBlock label={t('trace.response')} value={entry.response} />
        </>
      ) : tab === 'messages' ? (
        messages.length ? (
          <Box className="flex flex-col gap-1.5" data-testid="detail-messages">
            {messages.map((m, i) => (
              <Box key={i} className="rounded-xl px-3 py-2" sx={{ bgcolor: m.answer ? 'var(--a2g-tint)' : 'var(--a2g-rail)' }}>
                <Typography variant="caption" sx={{ fontWeight: 600, color: m.answer ? 'var(--a2g-on-tint)' : 'text.secondary' }} component="div">
                  {t(`trace.detail.role.${m.role}`, { defaultValue: m.role })}
                </Typography>
                <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxHeight: 240, overflow: 'auto' }} className="a2g-scroll">
                  {m.text}
                </Typography>
              </Box>
            ))}
          </Box>
        ) : (
          <Typography variant="body2" color="text.secondary">{t('trace.detail.noMessages')}</Typography>
        )
      ) : tab === 'tools' ? (
        tools.length ? (
          <Box className="flex flex-col gap-1.5" data-testid="detail-tools">
            {tools.map((c, i) => (
              <Box key={c.id ?? i} className="rounded-xl px-3 py-2" sx={{ bgcolor: 'var(--a2g-rail)' }}>
                <Typography variant="body2" sx={{ fontFamily: MONO, fontWeight: 600 }}>{c.name}</Typography>
                <Typography variant="caption" component="pre" className="m-0" sx={{ fontFamily: MONO, whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{prettyJson(c.arguments)}</Typography>
              </Box>
            ))}
          </Box>
        ) : (
          <Typography variant="body2" color="text.secondary">{t('trace.detail.noTools')}</Typography>
        )
      ) : (
        <Box component="dl" className="m-0 grid gap-x-4 gap-y-1" sx={{ gridTemplateColumns: 'auto 1fr' }} data-testid="detail-usage">
          {usage.map(([k, v]) => (
            <Box key={k} sx={{ display: 'contents' }}>
              <Typography component="dt" variant="body2" color="text.secondary">{k}</Typography>
              <Typography component="dd" variant="body2" className="m-0" sx={{ fontFamily: MONO, wordBreak: 'break-word' }}>{v}</Typography>
            </Box>
          ))}
        </Box>
      )}
    </Box>
  )
}

/** One LLM call; the colour and tag say which (sub-)agent made it. Opening it shows the call's detail. */
export function TraceEntryItem({ entry, color, open, onToggle }: { entry: TraceEntry; color: string; open: boolean; onToggle: () => void }) {
  const { t, i18n } = useTranslation()
  const [wholeError, setWholeError] = useState<string | null>(null)
  // A call too big for a live push arrives shortened; opening it fetches the whole stored one.
  useEffect(() => {
    if (!open || !entry.truncated || !entry.entry_id) return
    setWholeError(null)
    useTraceStore.getState().loadWhole(entry.trace_id, entry.entry_id).catch((e) => setWholeError(errorMessage(e)))
  }, [open, entry.truncated, entry.trace_id, entry.entry_id])
  const agent = agentLabel(entry)
  const failed = entry.status === 'error' || Boolean(entry.error)
  const running = entry.status === 'running'
  return (
    <Box className="rounded-2xl overflow-hidden" sx={{ border: '1px solid var(--a2g-border)', borderLeft: `5px solid ${color}`, bgcolor: failed ? 'rgba(217,48,37,.06)' : 'var(--a2g-surface)' }} data-testid="trace-entry" data-agent={agent}>
      <Box component="button" type="button" onClick={onToggle} aria-expanded={open} className="w-full text-left bg-transparent border-0 cursor-pointer px-3 py-2.5 flex flex-col gap-1.5" sx={{ color: 'inherit', font: 'inherit' }}>
        <Box className="flex items-center gap-2 min-w-0">
          <Chip size="small" label={agent} sx={{ bgcolor: color, color: '#1f1f1f', fontWeight: 600, height: 22, maxWidth: 150 }} data-testid="trace-agent-tag" data-color={color} />
          <Typography variant="body2" className="truncate flex-1" sx={{ fontFamily: MONO, fontSize: '0.8rem' }}>
            {entry.model || '—'}
          </Typography>
          <ExpandMoreRoundedIcon fontSize="small" sx={{ transform: open ? 'rotate(180deg)' : 'none', transition: 'transform .2s', color: 'var(--a2g-muted)' }} />
        </Box>
        <Box className="flex items-center gap-3 text-xs flex-wrap" sx={{ color: 'var(--a2g-muted)' }}>
          <span>{formatTime(entry.created_at, i18n.language)}</span>
          {entry.api && <span data-testid="trace-entry-api">{entry.api}</span>}
          {!running && <span>{t('trace.tokens', { count: entry.total_tokens })}</span>}
          {!running && <span>{t('trace.latency', { ms: Math.round(entry.latency_ms) })}</span>}
          {failed && <Chip size="small" color="error" label={t('trace.error')} sx={{ height: 18, fontSize: '0.7rem' }} />}
          {running && <Chip size="small" color="info" label={t('trace.running')} sx={{ height: 18, fontSize: '0.7rem' }} data-testid="trace-entry-running" />}
        </Box>
        {entry.output_text && !open && (
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
          <CallDetail entry={entry} />
        </Box>
      </Collapse>
    </Box>
  )
}
