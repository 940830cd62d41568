/**
 * Chat with one agent. Development mode: sessions on the left, the chat in a centred column, the live
 * trace on the right. Operation mode: the same chat without the developer's trace.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { Link as RouterLink, useParams, useSearchParams } from 'react-router-dom'
import { Alert, Box, Button, Drawer, IconButton, Tab, Tabs, Tooltip, Typography } from '@mui/material'
import ForumRoundedIcon from '@mui/icons-material/ForumRounded'
import ArrowBackRoundedIcon from '@mui/icons-material/ArrowBackRounded'
import TimelineRoundedIcon from '@mui/icons-material/TimelineRounded'
import ArrowDownwardRoundedIcon from '@mui/icons-material/ArrowDownwardRounded'
import { useTranslation } from 'react-i18next'
import { agentsApi } from '../api/endpoints'
import { ApiError } from '../api/client'
import { errorMessage } from '../lib/errors'
import type { Agent, Attachment } from '../api/types'
import { useChatStore } from '../store/chat'
import { useTraceStore } from '../store/trace'
import { useUiStore, type WorkMode } from '../store/ui'
import { getSocket } from '../store/realtime'
import { AgentAvatar } from '../components/AgentAvatar'
import { FrameworkChip, StatusChip } from '../components/AgentCard'
import { EmptyState, ErrorState, LoadingState } from '../components/States'
import { MessageView } from '../components/chat/MessageView'
import { Composer } from '../components/chat/Composer'
import { SessionsSidebar } from '../components/chat/SessionsSidebar'
import { TracePanel } from '../components/trace/TracePanel'
import { toast } from '../components/Toaster'
import { useCompact } from '../components/AppShell'

export default function PlaygroundPage({ mode }: { mode: WorkMode }) {
  const { t } = useTranslation()
  const { agentId = '' } = useParams()
  const [search, setSearch] = useSearchParams()
  const [agent, setAgent] = useState<Agent | null>(null)
  // A missing agent (404) has nothing to retry: the page offers the way back instead; other failures are
  // worded from their code with the action that helps.
  const [agentError, setAgentError] = useState<{ notFound: boolean; error: unknown } | null>(null)
  const { tracePanelOpen, setTracePanelOpen } = useUiStore()
  const connection = useTraceStore((s) => s.connection)
  const chat = useChatStore()
  const scrollRef = useRef<HTMLDivElement>(null)
  // Narrow screens: one column; sessions in a drawer, chat and trace as two tabs.
  const compact = useCompact()
  const [sessionsOpen, setSessionsOpen] = useState(false)
  const [tab, setTab] = useState<'chat' | 'trace'>('chat')

  const loadAgent = useCallback(() => {
    setAgent(null)
    setAgentError(null)
    const get = mode === 'development' ? agentsApi.getMine(agentId).catch(() => agentsApi.get(agentId)) : agentsApi.get(agentId)
    get.then(setAgent, (e) => setAgentError({ notFound: e instanceof ApiError && e.status === 404, error: e }))
  }, [agentId, mode])

  useEffect(loadAgent, [loadAgent])
  useEffect(() => {
    void useChatStore.getState().openAgent(agentId, search.get('session'))
    return () => useChatStore.getState().reset()
    // The session in the URL is read once on open; later switches write it, they do not re-open.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [agentId])

  useEffect(() => {
    if (agent) document.title = `${agent.name} · A2G`
  }, [agent])

  useEffect(() => {
    const current = search.get('session')
    if (chat.activeSessionId && current !== chat.activeSessionId) setSearch({ session: chat.activeSessionId }, { replace: true })
  }, [chat.activeSessionId, search, setSearch])

  // The chat follows a streaming answer only while the reader is at the bottom; someone who scrolled up to
  // read keeps their place and gets a "jump to latest" button instead (as in Gemini and Open WebUI). Only a
  // scroll up counts as leaving: a streaming answer grows the content between our own scroll to the bottom
  // and its scroll event, which then reads as "not at the bottom" without the reader having moved.
  const followRef = useRef(true)
  const lastTopRef = useRef(0)
  const [awayFromBottom, setAwayFromBottom] = useState(false)
  const onChatScroll = () => {
    const el = scrollRef.current
    if (!el) return
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 48
    if (atBottom) followRef.current = true
    else if (el.scrollTop < lastTopRef.current - 1) followRef.current = false
    lastTopRef.current = el.scrollTop
    setAwayFromBottom(!followRef.current)
  }
  const scrollToLatest = (smooth = false) => {
    const el = scrollRef.current
    followRef.current = true
    setAwayFromBottom(false)
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: smooth ? 'smooth' : 'auto' })
  }
  useEffect(() => {
    const el = scrollRef.current
    if (el && followRef.current) el.scrollTop = el.scrollHeight
  }, [chat.messages])
  useEffect(() => {
    followRef.current = true // another conversation opens at its end
  }, [chat.activeSessionId])

  const ensureSession = async () => chat.activeSessionId ?? (await chat.newSession()).session_id

  const send = async (text: string, attachments: Attachment[], replaces?: string) => {
    scrollToLatest() // whoever asks wants to see the answer
    try {
      const payload = await chat.beginSend(text, attachments, replaces)
      getSocket().send(payload)
    } catch (e) {
      toast(errorMessage(e), 'error')
    }
  }

  const stop = () => {
    const payload = chat.beginStop()
    if (payload) getSocket().send(payload)
  }

  const newChat = async () => {
    setSessionsOpen(false)
    try {
      await chat.newSession()
    } catch (e) {
      toast(errorMessage(e), 'error')
    }
  }

  if (agentError)
    return (
      <Box className="max-w-xl mx-auto p-10 flex flex-col gap-4">
        {agentError.notFound
          ? <ErrorState message={t('playground.agentNotFound')} action={null} />
          : <ErrorState error={agentError.error} onRetry={loadAgent} />}
        <Button
          component={RouterLink}
          to={mode === 'development' ? '/workspace' : '/operation'}
          startIcon={<ArrowBackRoundedIcon />}
          variant={agentError.notFound ? 'contained' : 'text'}
          sx={{ alignSelf: 'flex-start' }}
          data-testid="back-to-agents"
        >
          {mode === 'development' ? t('playground.backToWorkspace') : t('playground.backToCatalogue')}
        </Button>
      </Box>
    )
  if (!agent) return <LoadingState />

  const hasTrace = mode === 'development' && Boolean(agent.trace_id)
  const showTrace = !compact && hasTrace && tracePanelOpen
  const traceTab = compact && hasTrace && tab === 'trace'

  return (
    <Box className="flex h-full min-h-0">
      {compact ? (
        <Drawer open={sessionsOpen} onClose={() => setSessionsOpen(false)}>
          <Box className="h-full" onClick={(e) => (e.target as HTMLElement).closest('[data-testid="session-item"]') && setSessionsOpen(false)}>
            <SessionsSidebar embedded onNew={() => void newChat()} />
          </Box>
        </Drawer>
      ) : (
        <SessionsSidebar onNew={() => void newChat()} />
      )}
      <Box component="section" aria-label={agent.name} className="flex flex-col flex-1 min-w-0 h-full">
        <Box className="flex items-center gap-2 md:gap-3 px-2 md:px-5 h-14 shrink-0" sx={{ borderBottom: '1px solid var(--a2g-border)' }}>
          {compact && (
            <Tooltip title={t('playground.openSessions')}>
              <IconButton onClick={() => setSessionsOpen(true)} aria-label={t('playground.openSessions')} size="small" data-testid="open-sessions">
                <ForumRoundedIcon />
              </IconButton>
            </Tooltip>
          )}
          <Tooltip title={mode === 'development' ? t('playground.backToWorkspace') : t('playground.backToCatalogue')}>
            <IconButton component={RouterLink} to={mode === 'development' ? '/workspace' : '/operation'} aria-label={mode === 'development' ? t('playground.backToWorkspace') : t('playground.backToCatalogue')} size="small">
              <ArrowBackRoundedIcon />
            </IconButton>
          </Tooltip>
          <AgentAvatar agent={agent} size={32} />
          <Box className="min-w-0 flex-1 flex items-center gap-2">
            <Typography sx={{ fontWeight: 600, fontSize: '1.05rem' }} noWrap component="h1">
              {agent.name}
            </Typography>
            {!compact && mode === 'development' && <FrameworkChip framework={agent.framework} />}
            {mode === 'development' && !compact && <StatusChip status={agent.status} />}
          </Box>
          {!compact && mode === 'development' && !tracePanelOpen && (
            <Button size="small" startIcon={<TimelineRoundedIcon />} onClick={() => setTracePanelOpen(true)} data-testid="show-trace">
              {t('playground.showTrace')}
            </Button>
          )}
        </Box>

        {compact && hasTrace && (
          <Tabs value={tab} onChange={(_, v: 'chat' | 'trace') => setTab(v)} variant="fullWidth" sx={{ minHeight: 40, borderBottom: '1px solid var(--a2g-border)', '& .MuiTab-root': { minHeight: 40, textTransform: 'none' } }}>
            <Tab value="chat" label={t('playground.chatTab')} data-testid="tab-chat" />
            <Tab value="trace" label={t('playground.traceTab')} data-testid="tab-trace" />
          </Tabs>
        )}
        {traceTab && (
          <Box className="flex-1 min-h-0">
            <TracePanel embedded traceId={agent.trace_id} onClose={() => setTab('chat')} />
          </Box>
        )}
        <Box ref={scrollRef} onScroll={onChatScroll} className={`flex-1 overflow-auto a2g-scroll ${traceTab ? 'hidden' : ''}`} data-testid="chat-scroll">
          <Box className="mx-auto w-full max-w-[780px] px-3 md:px-6 py-5 md:py-8 flex flex-col gap-7">
            {chat.messagesError && <ErrorState message={chat.messagesError} onRetry={() => chat.activeSessionId && void chat.selectSession(chat.activeSessionId)} />}
            {chat.messagesLoading && <LoadingState />}
            {!chat.messagesLoading && !chat.messagesError && chat.messages.length === 0 && (
              <Box className="pt-[8vh]">
                <EmptyState icon={<AgentAvatar agent={agent} size={56} />} title={t('playground.emptyTitle')} hint={agent.description || t('playground.emptyHint', { name: agent.name })} />
                {/* Suggestions are the agent's own example prompts (its skills' A2A `examples`), never a bare skill name. */}
                {(agent.prompts ?? []).length > 0 && (
                  <Box className="grid gap-2 sm:grid-cols-2 max-w-[640px] mx-auto" role="list" aria-label={t('playground.suggestions')}>
                    {(agent.prompts ?? []).slice(0, 4).map((p) => (
                      <Box role="listitem" key={p} className="flex">
                        <Button variant="outlined" onClick={() => void send(p, [])} data-testid="suggested-prompt"
                          sx={{ flex: 1, justifyContent: 'flex-start', textAlign: 'left', borderColor: 'var(--a2g-border)', color: 'text.primary', borderRadius: 4, py: 1.25, px: 2, fontWeight: 400, bgcolor: 'var(--a2g-surface)', '&:hover': { bgcolor: 'var(--a2g-raised)', borderColor: 'var(--a2g-border)' } }}>
                          {p}
                        </Button>
                      </Box>
                    ))}
                  </Box>
                )}
              </Box>
            )}
            {chat.messages.map((m, i) => {
              const asked = m.role === 'assistant' ? chat.messages.slice(0, i).reverse().find((p) => p.role === 'user') : undefined
              const lastQuestion = m.role === 'user' && !chat.messages.slice(i + 1).some((p) => p.role === 'user')
              const last = i === chat.messages.length - 1
              // Retry, Regenerate and Edit all replace the last question and its answer (in the chat and in the
              // history the agent is given): the conversation reads as if it had been asked that way.
              return (
                <MessageView
                  key={m.message_id}
                  message={m}
                  agent={agent}
                  askedAt={asked?.created_at}
                  onRetry={asked && m.error && !chat.streaming && last ? () => void send(asked.content, asked.attachments, asked.message_id) : undefined}
                  onRegenerate={asked && !m.error && !chat.streaming && last ? () => void send(asked.content, asked.attachments, asked.message_id) : undefined}
                  onEdit={lastQuestion && !chat.streaming ? (text) => void send(text, m.attachments, m.message_id) : undefined}
                />
              )
            })}
          </Box>
        </Box>

        <Box className={`relative mx-auto w-full max-w-[820px] px-2 md:px-6 pb-3 md:pb-5 pt-2 shrink-0 ${traceTab ? 'hidden' : ''}`}>
          {awayFromBottom && chat.messages.length > 0 && (
            <Tooltip title={t('playground.jumpToLatest')}>
              <IconButton
                onClick={() => scrollToLatest(true)}
                aria-label={t('playground.jumpToLatest')}
                size="small"
                sx={{ position: 'absolute', top: -44, left: '50%', transform: 'translateX(-50%)', bgcolor: 'var(--a2g-surface)', border: '1px solid var(--a2g-border)', boxShadow: 2, '&:hover': { bgcolor: 'var(--a2g-raised)' } }}
                data-testid="scroll-to-bottom"
              >
                <ArrowDownwardRoundedIcon fontSize="small" />
              </IconButton>
            </Tooltip>
          )}
          {(connection === 'reconnecting' || connection === 'closed') && (
            <Alert severity="warning" variant="outlined" sx={{ mb: 1.5, borderRadius: 3 }}>
              {t('playground.disconnected')}
            </Alert>
          )}
          <Composer
            placeholder={t('playground.placeholder', { name: agent.name })}
            sessionId={chat.activeSessionId}
            ensureSession={ensureSession}
            onSend={(text, attachments) => send(text, attachments)}
            disabled={chat.streaming}
            streaming={chat.streaming}
            stopping={chat.stopping}
            onStop={stop}
          />
        </Box>
      </Box>
      {showTrace && <TracePanel traceId={agent.trace_id} onClose={() => setTracePanelOpen(false)} />}
    </Box>
  )
}
