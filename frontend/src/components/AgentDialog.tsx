/**
 * Add or edit an agent: the framework decides which connection fields appear (Agno base URL → scan →
 * agent/team; ADK → app; A2A → card URL → card preview; LangGraph → assistant; custom → endpoint), then the
 * card's look (logo, colour, skills). Validation messages from the API are shown at their fields.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react'
import {
  Alert, Autocomplete, Box, Button, Chip, CircularProgress, Dialog, DialogActions, DialogContent, DialogTitle, MenuItem,
  TextField, Typography,
} from '@mui/material'
import TravelExploreRoundedIcon from '@mui/icons-material/TravelExploreRounded'
import { useTranslation } from 'react-i18next'
import { agentsApi } from '../api/endpoints'
import { ApiError } from '../api/client'
import { errorMessage, readableServerText } from '../lib/errors'
import { FRAMEWORKS, type Agent, type AgentInput, type Framework, type ScanResult } from '../api/types'
import { AgentCard } from './AgentCard'

export const SWATCHES = ['#F28B82', '#FBBC04', '#81C995', '#78D9EC', '#8AB4F8', '#C58AF9', '#FDA4C8', '#FCAD70']

const emptyForm = (): AgentInput => ({
  name: '', description: '', framework: 'agno', logo_url: '', color: SWATCHES[4], skills: [], prompts: [],
  base_url: '', target_kind: '', target_id: '', app_name: '', card_url: '', endpoint_url: '', custom_protocol: 'json',
})

/** Which form field a server-side field name (`endpoint.agno_agent_id`, `skills.0.name`, ...) belongs to. */
export function uiField(serverField: string, framework: Framework): string {
  const f = serverField.replace(/^body\./, '')
  const main: Record<Framework, string> = { agno: 'target_id', adk: 'app_name', langgraph: 'target_id', a2a: 'card_url', custom: 'endpoint_url' }
  if (f.startsWith('skills')) return 'skills'
  if (f === 'endpoint') return main[framework]
  if (f === 'endpoint.base_url') return framework === 'a2a' ? 'card_url' : framework === 'custom' ? 'endpoint_url' : 'base_url'
  if (['endpoint.agno_agent_id', 'endpoint.agno_team_id', 'endpoint.langgraph_assistant_id'].includes(f)) return 'target_id'
  if (f === 'endpoint.adk_app_name') return 'app_name'
  if (f === 'endpoint.custom_protocol') return 'custom_protocol'
  if (f === 'url') return framework === 'a2a' ? 'card_url' : 'base_url'
  return f
}

function fromAgent(a: Agent): AgentInput {
  return {
    name: a.name, description: a.description, framework: (FRAMEWORKS as string[]).includes(a.framework) ? (a.framework as Framework) : 'custom',
    logo_url: a.logo_url, color: a.color || SWATCHES[4], skills: a.skills, prompts: a.prompts ?? [], base_url: a.base_url ?? '', target_kind: a.target_kind ?? '',
    target_id: a.target_id ?? '', app_name: a.app_name ?? '', card_url: a.card_url ?? a.endpoint_url ?? '', endpoint_url: a.endpoint_url ?? '',
    custom_protocol: a.custom_protocol ?? 'json',
  }
}

/** Only the connection fields of the chosen framework go to the API. */
export function formToInput(f: AgentInput): AgentInput {
  const base = { name: f.name, description: f.description, framework: f.framework, logo_url: f.logo_url, color: f.color, skills: f.skills, prompts: f.skills.length ? f.prompts : [] }
  switch (f.framework) {
    case 'agno':
      return { ...base, base_url: f.base_url, target_kind: f.target_kind, target_id: f.target_id }
    case 'adk':
      return { ...base, base_url: f.base_url, app_name: f.app_name }
    case 'langgraph':
      return { ...base, base_url: f.base_url, target_kind: 'assistant', target_id: f.target_id }
    case 'a2a':
      return { ...base, card_url: f.card_url, a2a_card: f.a2a_card, scanned_endpoint: f.scanned_endpoint }
    default:
      return { ...base, endpoint_url: f.endpoint_url, custom_protocol: f.custom_protocol }
  }
}

const HEX = /^#[0-9a-fA-F]{6}$/

export function AgentDialog({ open, agent, onClose, onSaved }: { open: boolean; agent: Agent | null; onClose: () => void; onSaved: (a: Agent) => void }) {
  const { t } = useTranslation()
  const [form, setForm] = useState<AgentInput>(emptyForm)
  const [scan, setScan] = useState<ScanResult | null>(null)
  const [scanning, setScanning] = useState(false)
  const [scanError, setScanError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (!open) return
    setForm(agent ? fromAgent(agent) : emptyForm())
    setScan(null)
    setScanError(null)
    setError(null)
  }, [open, agent])

  const set = <K extends keyof AgentInput>(k: K, v: AgentInput[K]) => setForm((f) => ({ ...f, [k]: v }))
  // A field's problem as a sentence under it: the server's words when readable, else "Check this value."
  const fieldError = (f: string): string | undefined => {
    const hit = error instanceof ApiError ? error.fields.find((x) => uiField(x.field, form.framework) === f) : undefined
    return hit ? readableServerText(hit.message) ?? t('errorCodes.invalid_field') : undefined
  }
  const placed = error instanceof ApiError && error.fields.length > 0 && error.fields.every((x) => FIELD_NAMES.has(uiField(x.field, form.framework)))
  const unplacedError = error && !placed ? errorMessage(error) : null

  const doScan = async () => {
    setScanning(true)
    setScanError(null)
    setScan(null)
    try {
      const res = await agentsApi.scan(form.framework, form.framework === 'a2a' ? form.card_url ?? '' : form.base_url ?? '')
      setScan(res)
      const cardTarget = res.targets.find((x) => x.kind === 'card')
      if (res.card) {
        // Fill the card's own words in where the user has not typed anything yet; the card and the endpoint
        // it chose go back to the API as they came.
        const card = res.card
        setForm((f) => ({
          ...f, name: f.name || card.name, description: f.description || card.description, skills: f.skills.length ? f.skills : card.skills,
          logo_url: f.logo_url || cardTarget?.logo_url || '', a2a_card: cardTarget?.a2a_card, scanned_endpoint: cardTarget?.endpoint,
        }))
      }
      if (res.targets.length === 1) {
        const only = res.targets[0]
        setForm((f) => ({ ...f, target_kind: only.kind, target_id: only.id, app_name: f.framework === 'adk' ? only.id : f.app_name, name: f.name || only.name, description: f.description || only.description }))
      }
    } catch (e) {
      setScanError(errorMessage(e))
    } finally {
      setScanning(false)
    }
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setSaving(true)
    setError(null)
    try {
      const input = formToInput(form)
      const saved = agent ? await agentsApi.update(agent.agent_id, input, agent.version) : await agentsApi.create(input)
      onSaved(saved)
    } catch (err) {
      setError(err)
    } finally {
      setSaving(false)
    }
  }

  const previewAgent: Agent = useMemo(
    () => ({ agent_id: agent?.agent_id ?? 'preview', name: form.name || t('agentForm.name'), description: form.description, framework: form.framework, status: agent?.status ?? 'DEVELOPMENT', logo_url: form.logo_url, color: form.color, skills: form.skills, trace_id: '' }),
    [form, agent, t],
  )

  const hint = t(`agentForm.${form.framework}Hint`)
  const chosenTarget = scan?.targets.find((x) => x.id === form.target_id && (!form.target_kind || x.kind === form.target_kind))
  const colorInvalid = form.color !== '' && !HEX.test(form.color)

  return (
    <Dialog open={open} onClose={saving ? undefined : onClose} maxWidth="md" fullWidth aria-labelledby="agent-dialog-title">
      <Box component="form" onSubmit={submit} noValidate>
        <DialogTitle id="agent-dialog-title" sx={{ pt: 3, px: 4 }}>
          {agent ? t('agentForm.editTitle') : t('agentForm.addTitle')}
        </DialogTitle>
        <DialogContent sx={{ px: 4 }}>
          <Box className="grid gap-8 md:grid-cols-[1fr_280px] pt-2">
            <Box className="flex flex-col gap-4">
              <TextField
                select
                label={t('agentForm.framework')}
                value={form.framework}
                onChange={(e) => { set('framework', e.target.value as Framework); setScan(null); setScanError(null) }}
                helperText={fieldError('framework') ?? hint}
                error={Boolean(fieldError('framework'))}
                name="framework"
                slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'framework-select' } as object } }}
              >
                {FRAMEWORKS.map((f) => (
                  <MenuItem key={f} value={f}>
                    {t(`agentForm.frameworks.${f}`)}
                  </MenuItem>
                ))}
              </TextField>

              {(form.framework === 'agno' || form.framework === 'adk' || form.framework === 'langgraph') && (
                <Box className="flex gap-2 items-start">
                  <TextField
                    label={t('agentForm.baseUrl')}
                    value={form.base_url}
                    onChange={(e) => set('base_url', e.target.value)}
                    placeholder="http://localhost:7777"
                    required
                    fullWidth
                    name="base_url"
                    error={Boolean(fieldError('base_url'))}
                    helperText={fieldError('base_url')}
                  />
                  <Button variant="outlined" onClick={doScan} disabled={!form.base_url || scanning} startIcon={scanning ? <CircularProgress size={16} /> : <TravelExploreRoundedIcon />} sx={{ mt: 1, flexShrink: 0 }}>
                    {scanning ? t('agentForm.scanning') : t('agentForm.scan')}
                  </Button>
                </Box>
              )}

              {form.framework === 'agno' && (
                <TextField
                  select
                  label={t('agentForm.chooseTarget')}
                  value={chosenTarget ? `${chosenTarget.kind}:${chosenTarget.id}` : form.target_id ? `${form.target_kind}:${form.target_id}` : ''}
                  onChange={(e) => {
                    const [kind, ...rest] = e.target.value.split(':')
                    const id = rest.join(':')
                    const tgt = scan?.targets.find((x) => x.kind === kind && x.id === id)
                    setForm((f) => ({ ...f, target_kind: kind, target_id: id, name: f.name || tgt?.name || '', description: f.description || tgt?.description || '' }))
                  }}
                  disabled={!scan?.targets.length && !form.target_id}
                  name="target_id"
                  error={Boolean(fieldError('target_id'))}
                  helperText={fieldError('target_id') ?? (scan && !scan.targets.length ? t('agentForm.noTargets') : undefined)}
                >
                  {form.target_id && !scan?.targets.some((x) => x.id === form.target_id) && (
                    <MenuItem value={`${form.target_kind}:${form.target_id}`}>{form.target_id}</MenuItem>
                  )}
                  {scan?.targets.map((x) => (
                    <MenuItem key={`${x.kind}:${x.id}`} value={`${x.kind}:${x.id}`}>
                      <Box className="flex items-center gap-2">
                        <Chip size="small" label={t(`agentForm.targetKinds.${x.kind}`, { defaultValue: x.kind })} />
                        {x.name}
                      </Box>
                    </MenuItem>
                  ))}
                </TextField>
              )}

              {form.framework === 'adk' && (
                <Autocomplete
                  freeSolo
                  options={scan?.targets.map((x) => x.id) ?? []}
                  value={form.app_name ?? ''}
                  onInputChange={(_, v) => set('app_name', v)}
                  renderInput={(params) => (
                    <TextField {...params} label={t('agentForm.appName')} required name="app_name" error={Boolean(fieldError('app_name'))} helperText={fieldError('app_name')} />
                  )}
                />
              )}

              {form.framework === 'langgraph' && (
                <Autocomplete
                  freeSolo
                  options={scan?.targets.map((x) => x.id) ?? []}
                  value={form.target_id ?? ''}
                  onInputChange={(_, v) => set('target_id', v)}
                  renderInput={(params) => (
                    <TextField {...params} label={t('agentForm.assistant')} required name="target_id" error={Boolean(fieldError('target_id'))} helperText={fieldError('target_id')} />
                  )}
                />
              )}

              {form.framework === 'a2a' && (
                <>
                  <Box className="flex gap-2 items-start">
                    <TextField
                      label={t('agentForm.cardUrl')}
                      value={form.card_url}
                      onChange={(e) => setForm((f) => ({ ...f, card_url: e.target.value, a2a_card: undefined, scanned_endpoint: undefined }))}
                      placeholder="http://localhost:9999/.well-known/agent-card.json"
                      required
                      fullWidth
                      name="card_url"
                      error={Boolean(fieldError('card_url'))}
                      helperText={fieldError('card_url')}
                    />
                    <Button variant="outlined" onClick={doScan} disabled={!form.card_url || scanning} startIcon={scanning ? <CircularProgress size={16} /> : <TravelExploreRoundedIcon />} sx={{ mt: 1, flexShrink: 0 }}>
                      {t('agentForm.fetchCard')}
                    </Button>
                  </Box>
                  {scan?.card && (
                    <Box className="rounded-2xl p-4 flex flex-col gap-1.5" sx={{ bgcolor: 'var(--a2g-rail)', border: '1px solid var(--a2g-border)' }} data-testid="card-preview">
                      <Typography variant="overline" color="text.secondary">
                        {t('agentForm.cardPreview')}
                      </Typography>
                      <Typography sx={{ fontWeight: 600 }}>
                        {scan.card.name} {scan.card.version && <Typography component="span" variant="body2" color="text.secondary">v{scan.card.version}</Typography>}
                      </Typography>
                      <Typography variant="body2" color="text.secondary">
                        {scan.card.description}
                      </Typography>
                      {scan.card.url && <Typography variant="caption" color="text.secondary">{scan.card.url}</Typography>}
                      <Box className="flex gap-1 flex-wrap">
                        {scan.card.skills.map((s) => <Chip key={s} size="small" label={s} />)}
                      </Box>
                    </Box>
                  )}
                </>
              )}

              {form.framework === 'custom' && (
                <TextField
                  select
                  label={t('agentForm.protocol')}
                  value={form.custom_protocol ?? 'json'}
                  onChange={(e) => set('custom_protocol', e.target.value as 'openai' | 'json')}
                  name="custom_protocol"
                  error={Boolean(fieldError('custom_protocol'))}
                  helperText={fieldError('custom_protocol') ?? t(`agentForm.protocolHint.${form.custom_protocol ?? 'json'}`)}
                >
                  <MenuItem value="json">JSON</MenuItem>
                  <MenuItem value="openai">OpenAI chat completions</MenuItem>
                </TextField>
              )}

              {form.framework === 'custom' && (
                <TextField
                  label={t('agentForm.endpointUrl')}
                  value={form.endpoint_url}
                  onChange={(e) => set('endpoint_url', e.target.value)}
                  placeholder="http://localhost:8080/chat"
                  required
                  name="endpoint_url"
                  error={Boolean(fieldError('endpoint_url'))}
                  helperText={fieldError('endpoint_url')}
                />
              )}

              {scanError && <Alert severity="warning" sx={{ borderRadius: 3 }}>{scanError}</Alert>}

              <TextField label={t('agentForm.name')} value={form.name} onChange={(e) => set('name', e.target.value)} required name="name" error={Boolean(fieldError('name'))} helperText={fieldError('name')} />
              <TextField label={t('agentForm.description')} value={form.description} onChange={(e) => set('description', e.target.value)} multiline minRows={2} maxRows={6} name="description" error={Boolean(fieldError('description'))} helperText={fieldError('description')} />
              <TextField label={t('agentForm.logoUrl')} value={form.logo_url} onChange={(e) => set('logo_url', e.target.value)} placeholder="https://…/logo.png" name="logo_url" error={Boolean(fieldError('logo_url'))} helperText={fieldError('logo_url')} />

              <Box>
                <Typography variant="body2" color="text.secondary" className="mb-2" id="color-label">
                  {t('agentForm.color')}
                </Typography>
                <Box className="flex items-center gap-2 flex-wrap" role="radiogroup" aria-labelledby="color-label">
                  {SWATCHES.map((c) => (
                    <Box
                      key={c}
                      component="button"
                      type="button"
                      role="radio"
                      aria-checked={form.color.toLowerCase() === c.toLowerCase()}
                      aria-label={c}
                      onClick={() => set('color', c)}
                      className="w-8 h-8 rounded-full cursor-pointer border-0 p-0"
                      sx={{ bgcolor: c, outline: form.color.toLowerCase() === c.toLowerCase() ? '3px solid var(--a2g-text)' : 'none', outlineOffset: 2 }}
                    />
                  ))}
                  <Box component="label" className="relative w-8 h-8 rounded-full overflow-hidden cursor-pointer" sx={{ background: 'conic-gradient(red, yellow, lime, cyan, blue, magenta, red)' }} title="Custom">
                    <input type="color" aria-label={t('agentForm.color')} value={HEX.test(form.color) ? form.color : '#8ab4f8'} onChange={(e) => set('color', e.target.value)} className="absolute inset-0 opacity-0 cursor-pointer" />
                  </Box>
                  <TextField size="small" value={form.color} onChange={(e) => set('color', e.target.value)} sx={{ width: 120 }} name="color" slotProps={{ htmlInput: { 'aria-label': 'Hex' } }} error={colorInvalid || Boolean(fieldError('color'))} helperText={fieldError('color')} />
                </Box>
              </Box>

              <Autocomplete
                multiple
                freeSolo
                options={[]}
                value={form.skills}
                onChange={(_, v) => set('skills', (v as string[]).map((s) => s.trim()).filter(Boolean))}
                renderValue={(value, getItemProps) => value.map((option, index) => {
                  const { key, ...rest } = getItemProps({ index })
                  return <Chip key={key} size="small" label={option} {...rest} />
                })}
                renderInput={(params) => (
                  <TextField {...params} label={t('agentForm.skills')} placeholder={t('agentForm.skillsHint')} name="skills" error={Boolean(fieldError('skills'))} helperText={fieldError('skills')} />
                )}
              />
              <Autocomplete
                multiple
                freeSolo
                options={[]}
                disabled={form.skills.length === 0}
                value={form.prompts ?? []}
                onChange={(_, v) => set('prompts', (v as string[]).map((s) => s.trim()).filter(Boolean).slice(0, 10))}
                renderValue={(value, getItemProps) => value.map((option, index) => {
                  const { key, ...rest } = getItemProps({ index })
                  return <Chip key={key} size="small" label={option} {...rest} />
                })}
                renderInput={(params) => (
                  <TextField {...params} label={t('agentForm.prompts')} placeholder={t('agentForm.promptsPlaceholder')} name="prompts" data-testid="agent-prompts"
                    helperText={form.skills.length === 0 ? t('agentForm.promptsNeedSkill') : t('agentForm.promptsHint')} />
                )}
              />
            </Box>

            <Box className="hidden md:flex flex-col gap-2">
              <Typography variant="overline" color="text.secondary">
                {t('agentForm.preview')}
              </Typography>
              <Box sx={{ pointerEvents: "none" }} inert aria-hidden>
                <AgentCard agent={previewAgent} to="#" />
              </Box>
            </Box>
          </Box>
          {unplacedError && (
            <Alert severity="error" sx={{ mt: 3, borderRadius: 3 }} data-testid="agent-form-error">
              {unplacedError}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 4, pb: 3 }}>
          <Button onClick={onClose} disabled={saving}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" variant="contained" disabled={saving || !form.name.trim() || colorInvalid}>
            {saving ? <CircularProgress size={18} color="inherit" /> : agent ? t('common.save') : t('common.create')}
          </Button>
        </DialogActions>
      </Box>
    </Dialog>
  )
}

const FIELD_NAMES = new Set(['framework', 'base_url', 'target_id', 'target_kind', 'app_name', 'card_url', 'endpoint_url', 'custom_protocol', 'name', 'description', 'logo_url', 'color', 'skills'])
