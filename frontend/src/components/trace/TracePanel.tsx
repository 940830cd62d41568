/**
 * The playground's right side: how to connect the agent (capture), then its LLM calls as they happen,
 * with the WebSocket's state and earlier entries loaded from `/api/logs`.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react'
import { Box, Button, Chip, IconButton, Tooltip, Typography } from '@mui/material'
import DeleteSweepRoundedIcon from '@mui/icons-material/DeleteSweepRounded'
import ArrowDownwardRoundedIcon from '@mui/icons-material/ArrowDownwardRounded'
import CloseRoundedIcon from '@mui/icons-material/CloseRounded'
import TimelineRoundedIcon from '@mui/icons-material/TimelineRounded'
import { useTranslation } from 'react-i18next'
import { CLEAR_UNDO_MS, useTraceStore } from '../../store/trace'
import { traceGuideShown, useTraceGuideStore, useUiStore } from '../../store/ui'
import { getSocket } from '../../store/realtime'
import type { SocketState } from '../../api/socket'
import { ErrorState, LoadingState } from '../States'
import { ConfirmDialog } from '../ConfirmDialog'
import { toast } from '../Toaster'
import { AGENT_PALETTE, agentLabel, assignAgentColors } from './agentColors'
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

/** Follow the newest call only when the reader is already at the end: this close counts as the end. */
const AT_END_PX = 48
const LISTENER_CACHE_CATCH_UP_MS = 6000

/**
 * `embedded`: shown as the playground's trace tab on a narrow screen, filling the width without a handle
 * or a close button.
 *
 * Reading position: the list follows new calls only while the reader is at its end and no call is open;
 * otherwise a "new calls" pill counts them and scrolls down when pressed. Only the panel's own list ever
 * scrolls, so the panel's heading stays in view.
 */
export function TracePanel({ traceId, onClose, embedded = false }: { traceId: string; onClose: () => void; embedded?: boolean }) {
  const width = useUiStore((s) => s.tracePanelWidth)
  const guideChoice = useTraceGuideStore((s) => s.open)
  const setGuideOpen = useTraceGuideStore((s) => s.setOpen)
  const { t } = useTranslation()
  const entries = useTraceStore((s) => s.entries[traceId] ?? EMPTY)
  const loading = useTraceStore((s) => s.loading[traceId] ?? false)
  const error = useTraceStore((s) => s.errors[traceId] ?? null)
  const connection = useTraceStore((s) => s.connection)
  const filter = useTraceStore((s) => s.agentFilter[traceId] ?? null)
  const { loadHistory, catchUp, clear, undoClear, setAgentFilter } = useTraceStore.getState()
  const scroller = useRef<HTMLDivElement>(null)
  const atEnd = useRef(true)
  const seen = useRef<Set<string> | null>(null)
  const [unseen, setUnseen] = useState(0)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const [confirming, setConfirming] = useState(false)

  useEffect(() => {
    if (!traceId) return
    const socket = getSocket()
    socket.subscribe(traceId)
    void loadHistory(traceId)
    seen.current = null
    // On Lambda a log-proxy instance reuses a trace's listener list for up to 5 s, so an entry that finishes
    // just after the panel subscribed may not be pushed to it: read the history once more after that bound.
    const catchUpTimer = setTimeout(() => void catchUp(traceId), LISTENER_CACHE_CATCH_UP_MS)
    return () => {
      clearTimeout(catchUpTimer)
      socket.unsubscribe(traceId)
    }
  }, [traceId, loadHistory, catchUp])

  const calls = useMemo(() => entries.filter((e) => (e as unknown as TreeEntry).api !== 'otel'), [entries])
  // Colours in order of first appearance, over the whole trace (a filter does not repaint anyone).
  const colors = useMemo(() => assignAgentColors(calls.map(agentLabel)), [calls])
  const agents = [...colors.keys()]
  const shown = filter && colors.has(filter) ? calls.filter((e) => agentLabel(e) === filter) : calls
  const guideOpen = traceGuideShown(guideChoice, calls.length > 0)

  const toEnd = () => {
    const el = scroller.current
    if (el) el.scrollTop = el.scrollHeight
    atEnd.current = true
    setUnseen(0)
  }

  // New calls: follow them while reading at the end (and no call is open); otherwise leave the list where
  // it is and count them on the pill, unless they are in view anyway. The first load is history, not news.
  useLayoutEffect(() => {
    if (loading) return
    const ids = shown.map((e) => e.entry_id)
    if (seen.current === null) {
      seen.current = new Set(ids)
      const first = scroller.current
      if (first) atEnd.current = first.scrollHeight - first.scrollTop - first.clientHeight <= AT_END_PX
      return
    }
    const fresh = ids.filter((id) => !seen.current!.has(id))
    fresh.forEach((id) => seen.current!.add(id))
    const el = scroller.current
    if (!el) return
    const endInView = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX
    if (atEnd.current && expanded.size === 0) el.scrollTop = el.scrollHeight
    else if (fresh.length && !endInView) setUnseen((n) => n + fresh.length)
  }, [shown, loading, expanded.size])

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX
    if (atEnd.current) setUnseen(0)
  }

  const toggle = (id: string) => setExpanded((prev) => {
    const next = new Set(prev)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    return next
  })

  const confirmClear = () => {
    const count = calls.length
    clear(traceId)
    setExpanded(new Set())
    toast(t('trace.cleared', { count }), 'info', {
      duration: CLEAR_UNDO_MS,
      action: { label: t('trace.undo'), onClick: () => undoClear(traceId) },
      // Closing the notice early sends the delete now; the store's own timer sends it otherwise.
      onDismiss: () => void useTraceStore.getState().commitClear(traceId),
    })
  }

  return (
    <Box component="aside" aria-label={t('trace.title')} className="relative flex flex-col h-full min-w-0 shrink-0" sx={{ width: embedded ? '100%' : width, borderLeft: embedded ? 0 : '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-page)' }} data-testid="trace-panel">
      {!embedded && <ResizeHandle />}
      <Box className="flex items-center gap-2 px-4 h-14 shrink-0" sx={{ borderBottom: '1px solid var(--a2g-border)' }}>
        <TimelineRoundedIcon fontSize="small" sx={{ color: 'var(--a2g-accent)' }} />
        <Typography sx={{ fontWeight: 600 }} className="flex-1" component="h2" data-testid="trace-heading">
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
      <Box ref={scroller} onScroll={onScroll} className="flex-1 overflow-auto a2g-scroll p-4 flex flex-col gap-4" data-testid="trace-scroll">
        <TraceCapture traceId={traceId} open={guideOpen} onToggle={() => setGuideOpen(!guideOpen)}>
          <TraceOtelGuide traceId={traceId} />
        </TraceCapture>
        <Box className="flex items-center justify-between gap-2 flex-wrap">
          <Typography variant="body2" color="text.secondary" aria-live="polite" data-testid="trace-count">
            {filter && colors.has(filter) ? t('trace.entriesOf', { count: shown.length, total: calls.length }) : t('trace.entries', { count: calls.length })}
          </Typography>
          <Button size="small" startIcon={<DeleteSweepRoundedIcon />} onClick={() => setConfirming(true)} disabled={!entries.length} data-testid="trace-clear">
            {t('trace.clear')}
          </Button>
        </Box>
        {agents.length > 1 && (
          <Box className="flex flex-wrap gap-1.5" role="group" aria-label={t('trace.filter')} data-testid="trace-filter">
            <Chip size="small" label={t('trace.allAgents')} onClick={() => setAgentFilter(traceId, null)} variant={filter && colors.has(filter) ? 'outlined' : 'filled'} aria-pressed={!(filter && colors.has(filter))} data-testid="trace-filter-all" />
            {agents.map((a) => (
              <Chip
                key={a}
                size="small"
                label={a}
                onClick={() => setAgentFilter(traceId, filter === a ? null : a)}
                aria-pressed={filter === a}
                variant={filter === a ? 'filled' : 'outlined'}
                icon={<Box component="span" sx={{ width: 10, height: 10, borderRadius: 9, bgcolor: colors.get(a), ml: '6px !important', flexShrink: 0 }} />}
                sx={{ maxWidth: 180, ...(filter === a ? { bgcolor: colors.get(a), color: '#1f1f1f', '&:hover': { bgcolor: colors.get(a) } } : {}) }}
                data-testid="trace-filter-agent"
              />
            ))}
          </Box>
        )}
        {error && <ErrorState error={error} onRetry={() => void loadHistory(traceId)} />}
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
          {shown.map((e, i) => (
            <TraceEntryItem key={e.entry_id || i} entry={e} color={colors.get(agentLabel(e)) ?? AGENT_PALETTE[0]} open={expanded.has(e.entry_id)} onToggle={() => toggle(e.entry_id)} />
          ))}
        </Box>
      </Box>
      {unseen > 0 && (
        <Box className="absolute left-0 right-0 flex justify-center pointer-events-none" sx={{ bottom: 16 }}>
          <Button variant="contained" size="small" onClick={toEnd} startIcon={<ArrowDownwardRoundedIcon />} className="pointer-events-auto" sx={{ borderRadius: 99, boxShadow: 3 }} data-testid="trace-new-calls">
            {t('trace.newCalls', { count: unseen })}
          </Button>
        </Box>
      )}
      <ConfirmDialog
        open={confirming}
        title={t('trace.clearTitle')}
        body={t('trace.clearBody', { count: calls.length })}
        confirmLabel={t('trace.clear')}
        danger
        onClose={() => setConfirming(false)}
        onConfirm={confirmClear}
      />
    </Box>
  )
}
