/**
 * Operation mode: published agents ranked for this user — by their history when the box is empty, by the
 * requirement when one is typed — each with the reason it ranks where it does.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { Box, Button, IconButton, InputBase, Skeleton, Tooltip, Typography } from '@mui/material'
import SearchOffRoundedIcon from '@mui/icons-material/SearchOffRounded'
import SearchRoundedIcon from '@mui/icons-material/SearchRounded'
import AutoAwesomeRoundedIcon from '@mui/icons-material/AutoAwesomeRounded'
import CloseRoundedIcon from '@mui/icons-material/CloseRounded'
import { useSearchParams } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { agentsApi } from '../api/endpoints'
import { errorMessage } from '../lib/errors'
import type { RankedAgent, RankedPage } from '../api/types'
import { reasonsLine } from '../lib/reasons'
import { AgentCard } from '../components/AgentCard'
import { EmptyState, ErrorState } from '../components/States'
import { McpSetupCard } from '../components/McpSetupCard'

export default function OperationPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const [draft, setDraft] = useState(q)
  const [page, setPage] = useState<RankedPage | null>(null)
  const results = page?.items ?? null
  const [error, setError] = useState<string | null>(null)

  const load = useCallback(() => {
    setPage(null)
    setError(null)
    agentsApi.rankedPage(q, 24).then(setPage, (e) => setError(errorMessage(e)))
  }, [q])
  useEffect(load, [load])
  useEffect(() => {
    document.title = `${t('nav.catalogue')} · A2G`
  }, [t])

  // With a request, agents that do not fit it at all (match "none") follow under their own heading.
  const fitting = results?.filter((r) => !q || r.match !== 'none') ?? []
  const others = results?.filter((r) => q && r.match === 'none') ?? []
  const card = (r: RankedAgent, i: number) => (
    <AgentCard
      forUsers
      key={r.agent.agent_id}
      agent={r.agent}
      rank={i + 1}
      reason={reasonsLine(t, r.reasons, r.reason)}
      owner={r.owner}
      teamUsers={r.team_users}
      to={`/operation/agents/${encodeURIComponent(r.agent.agent_id)}`}
    />
  )

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setParams(draft.trim() ? { q: draft.trim() } : {})
  }

  return (
    <Box className="mx-auto w-full max-w-[1180px] px-4 md:px-8 pb-12">
      <Box className="flex flex-col items-center text-center pt-12 pb-10 gap-3">
        <Box className="w-14 h-14 rounded-3xl flex items-center justify-center mb-2" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }}>
          <AutoAwesomeRoundedIcon />
        </Box>
        <Typography variant="h4" component="h1" sx={{ fontSize: '2.1rem' }}>
          {t('operation.title')}
        </Typography>
        <Typography color="text.secondary">{t('operation.subtitle')}</Typography>
        <Box component="form" role="search" onSubmit={submit} className="w-full max-w-[720px] mt-5 flex items-center gap-2 pl-4 md:pl-6 pr-2 py-2 rounded-full" sx={{ bgcolor: 'var(--a2g-surface)', border: '1px solid var(--a2g-border)', boxShadow: '0 4px 18px rgba(0,0,0,.06)', '&:focus-within': { boxShadow: '0 0 0 2px var(--a2g-accent)' } }}>
          <InputBase
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder={t('operation.placeholder')}
            inputProps={{ 'aria-label': t('operation.placeholder'), 'data-testid': 'requirement-input' }}
            className="flex-1"
            sx={{ fontSize: '1.05rem', py: 0.5 }}
          />
          {draft && (
            <IconButton aria-label={t('common.remove')} onClick={() => { setDraft(''); setParams({}) }} size="small">
              <CloseRoundedIcon fontSize="small" />
            </IconButton>
          )}
          <Tooltip title={t('operation.rank')}>
            <IconButton type="submit" aria-label={t('operation.rank')} sx={{ bgcolor: 'var(--a2g-accent)', color: 'var(--a2g-on-accent)', '&:hover': { bgcolor: 'var(--a2g-accent)', opacity: 0.9 } }} data-testid="rank-submit">
              <SearchRoundedIcon />
            </IconButton>
          </Tooltip>
        </Box>
      </Box>

      {!(q && page?.match === 'none') && (
        <Typography variant="overline" color="text.secondary" component="h2" className="block mb-3" data-testid="results-heading">
          {!q ? t('operation.recommended') : page?.match === 'partial' ? t('operation.partialResults') : t('operation.results')}
        </Typography>
      )}
      {error && <ErrorState message={error} onRetry={load} />}
      {!results && !error && (
        <Box className="grid gap-5 grid-cols-[repeat(auto-fill,minmax(280px,1fr))]" aria-busy="true">
          {[0, 1, 2].map((i) => <Skeleton key={i} variant="rounded" height={240} sx={{ borderRadius: 5 }} />)}
        </Box>
      )}
      {results && results.length === 0 && (
        <EmptyState icon={<AutoAwesomeRoundedIcon fontSize="large" />} title={q ? t('operation.noMatch') : t('operation.empty')} hint={q ? undefined : t('operation.emptyHint')} />
      )}
      {results && results.length > 0 && q && page?.match === 'none' && (
        <Box data-testid="no-good-match">
          <EmptyState
            icon={<SearchOffRoundedIcon fontSize="large" />}
            title={t('operation.noGoodMatch', { q })}
            hint={t('operation.noGoodMatchHint')}
            action={<Button variant="outlined" onClick={() => { setDraft(''); setParams({}) }}>{t('operation.browseAll')}</Button>}
          />
        </Box>
      )}
      {results && results.length > 0 && !(q && page?.match === 'none') && (
        <>
          <Box className="grid gap-5 grid-cols-[repeat(auto-fill,minmax(280px,1fr))]" data-testid="ranked-list">
            {fitting.map((r, i) => card(r, i))}
          </Box>
          {others.length > 0 && (
            <>
              <Typography variant="overline" color="text.secondary" component="h2" className="block mt-8 mb-3">
                {t('operation.others')}
              </Typography>
              <Box className="grid gap-5 grid-cols-[repeat(auto-fill,minmax(280px,1fr))]" data-testid="other-agents">
                {others.map((r, i) => card(r, fitting.length + i))}
              </Box>
            </>
          )}
        </>
      )}
      <McpSetupCard />
    </Box>
  )
}
