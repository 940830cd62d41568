import { useCallback, useEffect, useState, type FormEvent } from 'react'
import {
  Alert, Autocomplete, Box, Button, Card, Chip, CircularProgress, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel,
  IconButton, MenuItem, Switch, TextField, Typography,
} from '@mui/material'
import AddRoundedIcon from '@mui/icons-material/AddRounded'
import MemoryRoundedIcon from '@mui/icons-material/MemoryRounded'
import EditRoundedIcon from '@mui/icons-material/EditRounded'
import DeleteOutlineRoundedIcon from '@mui/icons-material/DeleteOutlineRounded'
import NetworkCheckRoundedIcon from '@mui/icons-material/NetworkCheckRounded'
import { useTranslation } from 'react-i18next'
import { llmsApi } from '../../api/endpoints'
import { errorMessage, explainError, plainReason } from '../../lib/errors'
import type { Llm, LlmInput, LlmProvider } from '../../api/types'
import { Page } from '../../components/AppShell'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { EmptyState, ErrorState, LoadingState } from '../../components/States'
import { toast, toastError } from '../../components/Toaster'
import { formatDateTime } from '../../lib/format'

// What `base_url` means for each provider (the platform appends the provider's own paths).
const BASE_URL_EXAMPLES: Record<LlmProvider, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
}

const FORM_FIELDS = ['name', 'provider', 'base_url', 'api_key', 'models']

function HealthChip({ llm }: { llm: Llm }) {
  const { t } = useTranslation()
  const s = llm.health.status
  const color = s === 'healthy' ? 'success' : s === 'unhealthy' ? 'error' : 'default'
  return <Chip size="small" color={color} variant="outlined" label={t(`admin.healthStatus.${s}`, { defaultValue: s })} data-testid="llm-health" data-status={s} />
}

/**
 * The last check on the card itself: when it ran and, if it failed, why; the latency only for a check
 * that succeeded. "Not checked yet" when no check ever ran (no "0 ms").
 */
export function HealthLine({ llm }: { llm: Llm }) {
  const { t, i18n } = useTranslation()
  const { status, checked_at, latency_ms, error } = llm.health
  if (!checked_at) return <Typography variant="caption" color="text.secondary" data-testid="llm-health-line">{t('admin.notChecked')}</Typography>
  const when = formatDateTime(checked_at, i18n.language)
  return (
    <Box className="flex flex-col gap-0.5" data-testid="llm-health-line">
      <Typography variant="caption" color="text.secondary">
        {status === 'healthy' && latency_ms !== undefined ? t('admin.checkedOk', { when, ms: Math.round(latency_ms) }) : t('admin.checkedAt', { when })}
      </Typography>
      {status !== 'healthy' && error && (
        <Typography variant="caption" color="error" sx={{ overflowWrap: 'anywhere' }} data-testid="llm-health-error">
          {t('admin.healthReason', { reason: plainReason(error) })}
        </Typography>
      )}
    </Box>
  )
}

function LlmDialog({ open, llm, onClose, onSaved }: { open: boolean; llm: Llm | null; onClose: () => void; onSaved: (l: Llm) => void }) {
  const { t } = useTranslation()
  const [form, setForm] = useState<LlmInput>({ name: '', provider: 'openai', base_url: '', api_key: '', models: [], enabled: true })
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (!open) return
    setError(null)
    setForm(llm ? { name: llm.name, provider: llm.provider, base_url: llm.base_url, api_key: '', models: llm.models, enabled: llm.enabled } : { name: '', provider: 'openai', base_url: '', api_key: '', models: [], enabled: true })
  }, [open, llm])
  // Each field's problem in a sentence under it (never the server's raw validation text).
  const fields = error ? explainError(error).fields : {}
  const fe = (f: string): string | undefined => fields[f]
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const body: Partial<LlmInput> = { ...form }
      if (!body.api_key) delete body.api_key
      onSaved(llm ? await llmsApi.update(llm.llm_id, body) : await llmsApi.create(body as LlmInput))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth>
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle>{llm ? t('admin.editLlm') : t('admin.addLlm')}</DialogTitle>
        <DialogContent className="flex flex-col gap-4" sx={{ pt: '8px !important' }}>
          <TextField label={t('common.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required name="name" error={Boolean(fe('name'))} helperText={fe('name')} />
          <TextField select label={t('admin.provider')} value={form.provider} onChange={(e) => setForm({ ...form, provider: e.target.value as LlmProvider })} name="provider" error={Boolean(fe('provider'))} helperText={fe('provider') ?? t('admin.providerHint')}>
            <MenuItem value="openai">OpenAI-compatible (OpenAI, vLLM, Ollama, Azure)</MenuItem>
            <MenuItem value="anthropic">Anthropic</MenuItem>
            <MenuItem value="gemini">Google Gemini</MenuItem>
          </TextField>
          <TextField label={t('admin.baseUrl')} value={form.base_url} onChange={(e) => setForm({ ...form, base_url: e.target.value })} required placeholder={BASE_URL_EXAMPLES[form.provider]} name="base_url" error={Boolean(fe('base_url'))} helperText={fe('base_url')} />
          <TextField label={t('admin.apiKey')} type="password" value={form.api_key} onChange={(e) => setForm({ ...form, api_key: e.target.value })} autoComplete="off" name="api_key" error={Boolean(fe('api_key'))} helperText={fe('api_key') ?? (llm ? t('admin.apiKeyKeep') : undefined)} />
          <Autocomplete
            multiple
            freeSolo
            options={[]}
            value={form.models}
            onChange={(_, v) => setForm({ ...form, models: (v as string[]).map((s) => s.trim()).filter(Boolean) })}
            renderValue={(value, getItemProps) => value.map((option, index) => {
              const { key, ...rest } = getItemProps({ index })
              return <Chip key={key} size="small" label={option} {...rest} />
            })}
            renderInput={(params) => <TextField {...params} label={t('admin.models')} placeholder={t('admin.modelsHint')} name="models" error={Boolean(fe('models'))} helperText={fe('models')} />}
          />
          <FormControlLabel control={<Switch checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />} label={t('admin.enabled')} />
          {Boolean(error) && !FORM_FIELDS.some((f) => fields[f]) && <Alert severity="error" sx={{ borderRadius: 3 }} data-testid="llm-form-error">{errorMessage(error)}</Alert>}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2.5 }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={busy || !form.name.trim() || !form.base_url.trim()}>{llm ? t('common.save') : t('common.create')}</Button>
        </DialogActions>
      </Box>
    </Dialog>
  )
}

export default function AdminLlmsPage() {
  const { t } = useTranslation()
  const [llms, setLlms] = useState<Llm[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [editing, setEditing] = useState<Llm | null>(null)
  const [dialog, setDialog] = useState(false)
  const [deleting, setDeleting] = useState<Llm | null>(null)
  const [testing, setTesting] = useState<string | null>(null)

  const load = useCallback(() => {
    setError(null)
    llmsApi.list().then(setLlms, (e) => setError(e ?? new Error('failed')))
  }, [])
  useEffect(load, [load])

  const replace = (l: Llm) => setLlms((list) => ((list ?? []).some((x) => x.llm_id === l.llm_id) ? (list ?? []).map((x) => (x.llm_id === l.llm_id ? l : x)) : [...(list ?? []), l]))

  const test = async (l: Llm) => {
    setTesting(l.llm_id)
    try {
      const r = await llmsApi.test(l.llm_id)
      // The result (and a failure's reason) lands on the card; the notice only says that it ran.
      toast(r.ok ? (r.latency_ms !== undefined ? t('admin.testOk', { ms: Math.round(r.latency_ms) }) : t('admin.testOkPlain')) : t('admin.testFailedShort'), r.ok ? 'success' : 'error')
      load()
    } catch (e) {
      toast(t('admin.testFailed', { message: errorMessage(e) }), 'error')
    } finally {
      setTesting(null)
    }
  }

  return (
    <Page title={t('admin.llmsTitle')} subtitle={t('admin.llmsHint')} actions={<Button variant="contained" startIcon={<AddRoundedIcon />} onClick={() => { setEditing(null); setDialog(true) }}>{t('admin.addLlm')}</Button>}>
      {Boolean(error) && <ErrorState error={error} onRetry={load} />}
      {!llms && !error && <LoadingState rows={3} />}
      {llms && llms.length === 0 && <Card><EmptyState icon={<MemoryRoundedIcon fontSize="large" />} title={t('admin.noLlms')} /></Card>}
      {llms && llms.length > 0 && (
        <Box className="grid gap-4 grid-cols-[repeat(auto-fill,minmax(340px,1fr))]">
          {llms.map((l) => (
            <Card key={l.llm_id} className="p-5 flex flex-col gap-3" data-testid="llm-card" sx={{ opacity: l.enabled ? 1 : 0.65 }}>
              <Box className="flex items-center gap-2">
                <Typography sx={{ fontWeight: 600 }} className="flex-1 truncate">{l.name}</Typography>
                <Chip size="small" label={l.provider} data-testid="llm-provider" />
                <HealthChip llm={l} />
                {!l.enabled && <Chip size="small" label={t('admin.off')} />}
              </Box>
              <Typography sx={{ fontFamily: 'monospace' }} variant="body2" color="text.secondary" className="truncate" title={l.base_url}>{l.base_url}</Typography>
              <Box className="flex flex-wrap gap-1">{l.models.map((m) => <Chip key={m} size="small" label={m} sx={{ fontFamily: 'monospace', bgcolor: 'var(--a2g-raised)' }} />)}</Box>
              <HealthLine llm={l} />
              <Box className="flex items-center gap-1 mt-auto pt-2" sx={{ borderTop: '1px solid var(--a2g-border)' }}>
                <Button size="small" startIcon={testing === l.llm_id ? <CircularProgress size={14} /> : <NetworkCheckRoundedIcon />} onClick={() => void test(l)} disabled={testing === l.llm_id}>{t('common.test')}</Button>
                <Box className="flex-1" />
                <IconButton size="small" aria-label={`${t('common.edit')} ${l.name}`} onClick={() => { setEditing(l); setDialog(true) }}><EditRoundedIcon fontSize="small" /></IconButton>
                <IconButton size="small" aria-label={`${t('common.delete')} ${l.name}`} onClick={() => setDeleting(l)}><DeleteOutlineRoundedIcon fontSize="small" /></IconButton>
              </Box>
            </Card>
          ))}
        </Box>
      )}
      <LlmDialog open={dialog} llm={editing} onClose={() => setDialog(false)} onSaved={(l) => { replace(l); setDialog(false); toast(t('admin.updated')) }} />
      <ConfirmDialog open={Boolean(deleting)} title={t('admin.deleteLlm')} body={deleting?.name} confirmLabel={t('common.delete')} danger onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return
          try {
            await llmsApi.remove(deleting.llm_id)
            setLlms((list) => (list ?? []).filter((x) => x.llm_id !== deleting.llm_id))
          } catch (e) {
            toastError(e)
          }
        }}
      />
    </Page>
  )
}
