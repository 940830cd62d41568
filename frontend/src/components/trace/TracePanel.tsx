/**
 * The playground's right side: how to connect the agent (capture), then its LLM calls as they happen,
 * with the WebSocket's state and earlier entries loaded from `/api/logs`.
 */
import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from 'react'
import { Box, Button, Chip, IconButton, Tooltip, Typography } from '@mui/material'
import DeleteSweepRoundedIcon from '@mui/icons-material/DeleteSweepRounded'
import CloseRoundedIcon from '@mui/icons-material/CloseRounded'
import TimelineRoundedIcon from '@mui/icons-material/TimelineRounded'
import { useTranslation } from 'react-i18next'
import { useTraceStore } from '../../store/trace'
import { useUiStore } from '../../store/ui'
import { getSocket } from '../../store/realtime'
import type { SocketState } from '../../api/socket'
import { ErrorState, LoadingState } from '../States'
import { TraceCapture } from './TraceCapture'
import { TraceEntryItem } from './TraceEntryItem'
import { TraceOtelGuide } from './TraceOtelGuide'
import { TraceTree } from './TraceTree'
import type { TreeEntry } from './traceTree'

const EMPTY: never[] = []

export function ConnectionBadge({ state }: { state: SocketState }) {
  const { t } = useTranslation()
  const color = state === 'open' ? '#1e8e3e' : state === 'connecting' || state === 'reconnecting' ? '#f9ab00' : '#9aa0a6'
  return (
    <Chip
      size="small"
      variant="outlined"
      role="status"
      data-testid="connection-state"
      data-state={state}
      icon={<Box component="span" sx={{ width: 8, height: 8, borderRadius: 9, bgcolor: color, ml: '8px !important' }} />}
      label={t(`trace.connection.${state}`)}
      sx={{ borderColor: 'var(--a2g-border)' }}
    />
  )
}

/**
 * The drag handle on the panel's left edge. Pointer drags and arrow keys both change the width; the store
 * clamps and remembers it, so the panel opens at the same width next time.
 */
function ResizeHandle() {
  const { t } = useTranslation()
  const width = useUiStore((s) => s.tracePanelWidth)
  const setWidth = useUiStore((s) => s.setTracePanelWidth)
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault()
    const startX = e.clientX
    const startWidth = width
    const move = (ev: globalThis.PointerEvent) => setWidth(startWidth + (startX - ev.clientX))
    const up = () => {
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
      document.body.style.userSelect = ''
    }
    document.body.style.userSelect = 'none'
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
  }
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'ArrowLeft') setWidth(width + 24)
    else if (e.key === 'ArrowRight') setWidth(width - 24)
    else return
    e.preventDefault()
  }
  return (
    <Box
      role="separator"
      aria-orientation="vertical"
      aria-label={t('trace.resize')}
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
      data-testid="trace-resize"
      className="absolute top-0 bottom-0 -left-1 w-2 cursor-col-resize z-10"
      sx={{ '&:hover, &:focus-visible': { bgcolor: 'var(--a2g-accent)', opacity: 0.5 } }}
    />
  )
}

const LISTENER_CACHE_CATCH_UP_MS = 6000

/**
 * `embedded`: shown as the playground's trace tab on a narrow screen, filling the width without a handle
 * or a close button.
 */
export function TracePanel({ traceId, onClose, embedded = false }: { traceId: string; onClose: () => void; embedded?: boolean }) {
  const width = useUiStore((s) => s.tracePanelWidth)
  const { t } = useTranslation()
  const entries = useTraceStore((s) => s.entries[traceId] ?? EMPTY)
  const loading = useTraceStore((s) => s.loading[traceId] ?? false)
  const error = useTraceStore((s) => s.errors[traceId] ?? null)
  const connection = useTraceStore((s) => s.connection)
  const { loadHistory, catchUp, clear } = useTraceStore.getState()
  const listEnd = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!traceId) return
    const socket = getSocket()
    socket.subscribe(traceId)
    void loadHistory(traceId)
    // On Lambda a log-proxy instance reuses a trace's listener list for up to 5 s, so an entry that finishes
    // just after the panel subscribed may not be pushed to it: read the history once more after that bound.
    const catchUpTimer = setTimeout(() => void catchUp(traceId), LISTENER_CACHE_CATCH_UP_MS)
    return () => {
      clearTimeout(catchUpTimer)
      socket.unsubscribe(traceId)
    }
  }, [traceId, loadHistory, catchUp])

  useEffect(() => {
    listEnd.current?.scrollIntoView?.({ block: 'end', behavior: 'smooth' })
  }, [entries.length])

  return (
    <Box component="aside" aria-label={t('trace.title')} className="relative flex flex-col h-full min-w-0 shrink-0" sx={{ width: embedded ? '100%' : width, borderLeft: embedded ? 0 : '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-page)' }} data-testid="trace-panel">
      {!embedded && <ResizeHandle />}
      <Box className="flex items-center gap-2 px-4 h-14 shrink-0" sx={{ borderBottom: '1px solid var(--a2g-border)' }}>
        <TimelineRoundedIcon fontSize="small" sx={{ color: 'var(--a2g-accent)' }} />
        <Typography sx={{ fontWeight: 600 }} className="flex-1">
          {t('trace.title')}
        </Typography>
        <ConnectionBadge state={connection} />
        {!embedded && (
          <Tooltip title={t('playground.hideTrace')}>
            <IconButton size="small" onClick={onClose} aria-label={t('playground.hideTrace')}>
              <CloseRoundedIcon fontSize="small" />
            </IconButton>
          </Tooltip>
        )}
      </Box>
      <Box className="flex-1 overflow-auto a2g-scroll p-4 flex flex-col gap-4">
        <TraceCapture traceId={traceId} />
        <TraceOtelGuide traceId={traceId} />
        <Box className="flex items-center justify-between">
          <Typography variant="body2" color="text.secondary" aria-live="polite">
            {t('trace.entries', { count: entries.length })}
          </Typography>
          <Button size="small" startIcon={<DeleteSweepRoundedIcon />} onClick={() => void clear(traceId)} disabled={!entries.length} data-testid="trace-clear">
            {t('trace.clear')}
          </Button>
        </Box>
        {error && <ErrorState message={error} onRetry={() => void loadHistory(traceId)} />}
        {loading && !entries.length && <LoadingState rows={2} />}
        {!loading && !error && entries.length === 0 && (
          <Box className="text-center py-8 px-4 rounded-2xl" sx={{ border: '1px dashed var(--a2g-border)', color: 'var(--a2g-muted)' }}>
            <Typography sx={{ fontWeight: 500 }}>{t('trace.empty')}</Typography>
            <Typography variant="body2" className="mt-1">{t('trace.emptyHint')}</Typography>
          </Box>
        )}
        {/* Spans arrived (OpenTelemetry intake): the run as a tree; the calls stay listed below it. */}
        {entries.some((e) => (e as unknown as TreeEntry).span) && <TraceTree entries={entries as unknown as TreeEntry[]} />}
        <Box className="flex flex-col gap-2" role="log" aria-label={t('trace.title')}>
          {entries.filter((e) => (e as unknown as TreeEntry).api !== 'otel').map((e, i) => <TraceEntryItem key={e.entry_id || i} entry={e} />)}
          <div ref={listEnd} />
        </Box>
      </Box>
    </Box>
  )
}
