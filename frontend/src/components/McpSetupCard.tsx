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
    <Box className="flex items-center gap-2 min-w-0">
      <Typography variant="body2" color="text.secondary" className="shrink-0 w-24">{label}</Typography>
      <Box component="code" className="flex-1 min-w-0 truncate px-2 py-1 rounded-lg text-sm" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }} title={value}>
        {value}
      </Box>
      <CopyButton text={value} label={`${label}: ${value}`} />
    </Box>
  )
}

export function McpSetupCard() {
  const { t } = useTranslation()
  const url = mcpUrl()
  const snippet = mcpSnippet(url)
  return (
    <Accordion disableGutters elevation={0} data-testid="mcp-setup" sx={{ mt: 6, borderRadius: '20px !important', border: '1px solid var(--a2g-border)', bgcolor: 'var(--a2g-surface)', '&::before': { display: 'none' } }}>
      <AccordionSummary expandIcon={<ExpandMoreRoundedIcon />} aria-controls="mcp-setup-body" id="mcp-setup-head" sx={{ px: 3 }}>
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
      <AccordionDetails id="mcp-setup-body" sx={{ px: 3, pb: 3 }} className="flex flex-col gap-3">
        <Field label={t('mcp.url')} value={url} />
        <Field label={t('mcp.header')} value="Authorization: Bearer <API key>" />
        <Typography variant="body2" color="text.secondary">
          {t('mcp.tools')}{' '}
          <Link component={RouterLink} to="/settings">{t('mcp.keyLink')}</Link>
        </Typography>
        <Box className="relative">
          <Box component="pre" data-testid="mcp-snippet" className="m-0 p-4 pr-12 rounded-2xl overflow-x-auto text-sm" sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' }}>
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
