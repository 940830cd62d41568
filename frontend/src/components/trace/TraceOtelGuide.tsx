/** The setup guide's OpenTelemetry part: per framework, the lines that export its spans into this trace. */
import { useMemo, useState } from 'react'
import { Box, Tab, Tabs, Typography } from '@mui/material'
import { useTranslation } from 'react-i18next'
import { CodeBlock } from '../chat/CodeBlock'
import { buildOtelSnippets, otelEndpoint } from './otelSnippets'

export function TraceOtelGuide({ traceId, apiKey }: { traceId: string; apiKey?: string }) {
  const { t } = useTranslation()
  const [tab, setTab] = useState(0)
  const endpoint = otelEndpoint(window.location.origin, traceId)
  const snippets = useMemo(() => buildOtelSnippets(endpoint, apiKey || '<YOUR_A2G_API_KEY>', traceId), [endpoint, apiKey, traceId])
  return (
    <Box data-testid="trace-otel-guide">
      <Typography variant="caption" color="text.secondary" component="div">{t('trace.otel.title')}</Typography>
      <Typography variant="body2" color="text.secondary" className="mb-1">{t('trace.otel.hint')}</Typography>
      <Tabs value={tab} onChange={(_, v: number) => setTab(v)} variant="scrollable" scrollButtons="auto" aria-label={t('trace.otel.title')} sx={{ minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0.5, px: 1.5, fontSize: '0.8rem' } }}>
        {snippets.map((s) => <Tab key={s.id} label={s.label} />)}
      </Tabs>
      <CodeBlock code={snippets[tab].code} language={snippets[tab].language} maxHeight={260} />
    </Box>
  )
}
