/**
 * The period of an admin page: 7 / 30 / 90-day presets and two dates. A From after To is said under the
 * field and no request is made for it (the caller only gets valid periods through `onChange`). The dates
 * are UTC days (lib/period.ts), and the picker says so: near midnight the browser's date differs.
 */
import { useEffect, useState } from 'react'
import { Box, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material'
import { useTranslation } from 'react-i18next'
import { isValidRange } from '../../lib/format'
import { PERIOD_PRESETS, presetOf, presetPeriod, type Period } from '../../lib/period'

export function PeriodPicker({ value, onChange }: { value: Period; onChange: (p: Period) => void }) {
  const { t } = useTranslation()
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  const invalid = !isValidRange(draft.from, draft.to)
  const edit = (next: Period) => {
    setDraft(next)
    if (next.from && next.to && isValidRange(next.from, next.to)) onChange(next)
  }
  const preset = presetOf(draft)
  return (
    <Box className="flex gap-2 flex-wrap items-start">
      <ToggleButtonGroup
        exclusive
        size="small"
        value={preset}
        onChange={(_, days: number | null) => days && edit(presetPeriod(days))}
        aria-label={t('admin.period')}
        data-testid="period-presets"
      >
        {PERIOD_PRESETS.map((d) => (
          <ToggleButton key={d} value={d} data-testid={`period-${d}`} sx={{ px: 1.5, textTransform: 'none' }}>
            {t('admin.lastDays', { count: d })}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      <Box className="flex gap-2">
        <TextField
          type="date"
          size="small"
          label={t('admin.from')}
          value={draft.from}
          onChange={(e) => edit({ ...draft, from: e.target.value })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'aria-describedby': 'period-utc' } }}
          sx={{ width: 160 }}
          data-testid="stats-from"
        />
        <TextField
          type="date"
          size="small"
          label={t('admin.to')}
          value={draft.to}
          onChange={(e) => edit({ ...draft, to: e.target.value })}
          slotProps={{ inputLabel: { shrink: true } }}
          error={invalid}
          helperText={invalid ? t('errorCodes.invalid_date_range') : undefined}
          sx={{ width: 160 }}
          data-testid="stats-to"
        />
      </Box>
      <Typography id="period-utc" variant="caption" color="text.secondary" className="basis-full" data-testid="period-utc">
        {t('admin.periodUtc')}
      </Typography>
    </Box>
  )
}
