/**
 * How to use the published agents from an MCP client (Claude Desktop, Cursor, ADK's McpToolset, the OpenAI
 * Agents SDK): the platform's `/api/mcp` URL, the API-key header, and a config snippet to copy. Self-contained
 * (no API call) so operation mode can place it anywhere.
 */
import { Accordion, AccordionDetails, AccordionSummary, Box, Link, Typography } from '@mui/material'
import ExpandMoreRoundedIcon from '@mui/icons-material/ExpandMoreRounded'
import HubRoundedIcon from '@mui/icons-material/HubRounded'
import { Link as RouterLink } from 'react-router-dom'
import { useTranslation } from 'react-i18next'
import { CopyButton } from './CopyButton'

export function mcpUrl(origin: string = window.location.origin): string {
  return `${origin.replace(/\/$/, '')}/api/mcp`
}

export function mcpSnippet(url: string): string {
  return JSON.stringify(
    { mcpServers: { a2g: { url, headers: { Authorization: 'Bearer <your A2G API key>' } } } },
    null,
    2,
  )
}

function Field({ label, value }: { label: string; value: string }) {
  return (
    // Phones: the label above the value, so the value keeps the whole width (wrapping where it must).
    <Box className="flex flex-col sm:flex-row sm:items-center gap-1 sm:gap-2 min-w-0">
      <Typography variant="body2" color="text.secondary" className="shrink-0 sm:w-24">{label}</Typography>
      <Box className="flex items-center gap-1 flex-1 min-w-0">
        <Box component="code" className="flex-1 min-w-0 px-2 py-1 rounded-lg text-sm" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)', overflowWrap: 'anywhere' }}>
          {value}
        </Box>
        <CopyButton text={value} label={`${label}: ${value}`} />
      </Box>
    </Box>
  )
}

export function McpSetupCard() {
  const { t, i18n } = useTranslation()
  const url = mcpUrl()
  const words = i18n.language.startsWith('ko') ? { wordBreak: 'keep-all' as const } : {}
  const snippet = mcpSnippet(url)
  return (
    <Accordion disableGutters elevation={0} data-testid="mcp-setup" sx={{ mt: 6, borderRadius: '20px !important', border: '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-surface)', '&::before': { display: 'none' } }}>
      <AccordionSummary expandIcon={<ExpandMoreRoundedIcon />} aria-controls="mcp-setup-body" id="mcp-setup-head" sx={{ px: { xs: 2, sm: 3 }, ...words }}>
        <Box className="flex items-center gap-3 min-w-0">
          <Box className="w-10 h-10 rounded-2xl flex items-center justify-center shrink-0" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }}>
            <HubRoundedIcon fontSize="small" />
          </Box>
          <Box className="min-w-0">
            <Typography component="h2" sx={{ fontWeight: 600 }}>{t('mcp.title')}</Typography>
            <Typography variant="body2" color="text.secondary">{t('mcp.subtitle')}</Typography>
          </Box>
        </Box>
      </AccordionSummary>
      <AccordionDetails id="mcp-setup-body" sx={{ px: { xs: 2, sm: 3 }, pb: 3, ...words }} className="flex flex-col gap-3">
        <Field label={t('mcp.url')} value={url} />
        <Field label={t('mcp.header')} value="Authorization: Bearer <API key>" />
        <Typography variant="body2" color="text.secondary">
          {t('mcp.tools')}{' '}
          <Link component={RouterLink} to="/settings">{t('mcp.keyLink')}</Link>
        </Typography>
        <Box className="relative">
          <Box component="pre" data-testid="mcp-snippet" className="m-0 p-3 sm:p-4 pr-12 rounded-2xl overflow-x-auto text-xs sm:text-sm" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' }}>
            {snippet}
          </Box>
          <Box className="absolute top-2 right-2">
            <CopyButton text={snippet} label={t('mcp.copySnippet')} />
          </Box>
        </Box>
      </AccordionDetails>
    </Accordion>
  )
}
