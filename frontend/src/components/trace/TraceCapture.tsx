/**
 * What to paste into the agent so its LLM calls land in this trace: base URL, API key, models and a
 * snippet per framework, each with a copy button. Collapsible, since it is needed once per agent.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react'
import { Box, Button, Chip, Collapse, Tab, Tabs, Typography } from '@mui/material'
import ExpandMoreRoundedIcon from '@mui/icons-material/ExpandMoreRounded'
import KeyRoundedIcon from '@mui/icons-material/KeyRounded'
import { useTranslation } from 'react-i18next'
import { apiKeysApi, llmsApi } from '../../api/endpoints'
import type { ApiKey } from '../../api/types'
import { buildSnippets, logProxyBaseUrl } from '../../lib/snippets'
import { useKeyStore } from '../../store/keys'
import { CopyButton, copyText } from '../CopyButton'
import { CodeBlock } from '../chat/CodeBlock'
import { toastError } from '../Toaster'

function Field({ label, value, display, testId }: { label: string; value: string; display?: string; testId?: string }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div" className="mb-1">
        {label}
      </Typography>
      <Box className="flex items-center gap-1 rounded-xl pl-3 pr-0.5 py-0.5" sx={{ bgcolor: 'var(--a2g-rail)', border: '1px solid var(--a2g-border)' }}>
        <Typography variant="body2" className="flex-1 min-w-0 truncate" title={display ?? value} data-testid={testId} sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>
          {display ?? value}
        </Typography>
        <CopyButton text={value} label={`Copy ${label}`} />
      </Box>
    </Box>
  )
}

/**
 * `open` / `onToggle`: the panel decides (collapsed once the trace has calls, then as the developer left it);
 * `children` (the OpenTelemetry part of the guide) collapse with it.
 */
export function TraceCapture({ traceId, open, onToggle, children }: { traceId: string; open: boolean; onToggle: () => void; children?: ReactNode }) {
  const { t } = useTranslation()
  const [models, setModels] = useState<string[] | null>(null)
  const [active, setActive] = useState<ApiKey | null>(null)
  const [creating, setCreating] = useState(false)
  const [tab, setTab] = useState(0)
  const { lastCreated, remember } = useKeyStore()

  useEffect(() => {
    llmsApi.modelNames().then(setModels, () => setModels([]))
    apiKeysApi.active().then(setActive, () => setActive(null))
  }, [])

  const baseUrl = logProxyBaseUrl(window.location.origin, traceId)
  const keyValue = lastCreated?.key ?? ''
  const keyDisplay = lastCreated?.key ?? active?.masked ?? ''
  const model = models?.[0] ?? 'gpt-4o-mini'
  const snippets = useMemo(() => buildSnippets({ baseUrl, apiKey: keyValue || '<YOUR_A2G_API_KEY>', model }), [baseUrl, keyValue, model])

  const createKey = async () => {
    setCreating(true)
    try {
      remember(await apiKeysApi.create('playground'))
    } catch (e) {
      toastError(e, () => void createKey())
    } finally {
      setCreating(false)
    }
  }

  return (
    <Box className="rounded-2xl min-w-0" sx={{ border: '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-surface)' }} data-testid="trace-capture">
      <Box
        component="button"
        type="button"
        onClick={onToggle}
        aria-expanded={open}
        aria-controls="trace-capture-body"
        className="w-full flex items-center gap-2 bg-transparent border-0 cursor-pointer px-4 py-3 text-left"
        sx={{ color: 'inherit' }}
        data-testid="trace-capture-toggle"
      >
        <Typography sx={{ fontWeight: 600 }} className="flex-1">
          {t('trace.capture')}
        </Typography>
        <ExpandMoreRoundedIcon sx={{ transform: open ? 'rotate(180deg)' : 'none', transition: 'transform .2s' }} />
      </Box>
      <Collapse in={open} id="trace-capture-body">
        <Box className="flex flex-col gap-3 px-4 pb-4">
          <Typography variant="body2" color="text.secondary">
            {t('trace.captureHint')}
          </Typography>
          <Field label={t('trace.baseUrl')} value={baseUrl} testId="trace-base-url" />
          {keyDisplay ? (
            <Field label={t('trace.apiKey')} value={keyValue || keyDisplay} display={keyDisplay} testId="trace-api-key" />
          ) : null}
          {!lastCreated && (
            <Box className="flex items-center gap-2 flex-wrap">
              {active && (
                <Typography variant="caption" color="text.secondary" className="flex-1 min-w-[160px]">
                  {t('trace.keyHidden')}
                </Typography>
              )}
              <Button size="small" variant="outlined" startIcon={<KeyRoundedIcon />} onClick={createKey} disabled={creating}>
                {t('trace.createKey')}
              </Button>
            </Box>
          )}
          <Box>
            <Typography variant="caption" color="text.secondary" component="div" className="mb-1">
              {t('trace.models')}
            </Typography>
            {models === null ? (
              <Typography variant="body2" color="text.secondary">{t('common.loading')}</Typography>
            ) : models.length === 0 ? (
              <Typography variant="body2" color="text.secondary">{t('trace.noModels')}</Typography>
            ) : (
              <Box className="flex flex-wrap gap-1.5">
                {models.map((m) => (
                  <Chip key={m} size="small" label={m} onDelete={() => void copyText(m)} deleteIcon={<span aria-label={`Copy ${m}`}><CopyButtonIcon /></span>} sx={{ fontFamily: 'monospace' }} />
                ))}
              </Box>
            )}
          </Box>
          <Box>
            <Typography variant="caption" color="text.secondary" component="div">
              {t('trace.snippets')}
            </Typography>
            <Tabs value={tab} onChange={(_, v: number) => setTab(v)} variant="scrollable" scrollButtons="auto" sx={{ minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0.5, px: 1.5, fontSize: '0.8rem' } }}>
              {snippets.map((s) => <Tab key={s.id} label={s.label} data-testid={`trace-snippet-tab-${s.id}`} />)}
            </Tabs>
            {/* The panel is narrow at every width: long lines wrap instead of hiding behind a sideways scroll
                (the copy button still copies the code as written). */}
            <Box sx={{ '& pre, & pre > code': { whiteSpace: 'pre-wrap !important', overflowWrap: 'anywhere' } }} data-testid="trace-snippet">
              <CodeBlock code={snippets[tab].code} language={snippets[tab].language} maxHeight={320} />
            </Box>
          </Box>
          {children}
        </Box>
      </Collapse>
    </Box>
  )
}

function CopyButtonIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden fill="currentColor">
      <path d="M16 1H4c-1.1 0-2 .9-2 2v14h2V3h12V1zm3 4H8c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h11c1.1 0 2-.9 2-2V7c0-1.1-.9-2-2-2zm0 16H8V7h11v14z" />
    </svg>
  )
}
