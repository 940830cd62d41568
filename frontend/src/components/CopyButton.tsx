import { useState } from 'react'
import { IconButton, Tooltip } from '@mui/material'
import ContentCopyRoundedIcon from '@mui/icons-material/ContentCopyRounded'
import CheckRoundedIcon from '@mui/icons-material/CheckRounded'
import { useTranslation } from 'react-i18next'

/** Copies text; falls back to a hidden textarea where the async clipboard is not allowed (plain http). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text)
    return
  } catch {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.setAttribute('readonly', '')
    ta.style.position = 'fixed'
    ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    document.execCommand('copy')
    ta.remove()
  }
}

export function CopyButton({ text, label, size = 'small' }: { text: string; label?: string; size?: 'small' | 'medium' }) {
  const { t } = useTranslation()
  const [done, setDone] = useState(false)
  const title = done ? t('common.copied') : (label ?? t('common.copy'))
  return (
    <Tooltip title={title}>
      <IconButton
        size={size}
        aria-label={label ?? t('common.copy')}
        onClick={async () => {
          await copyText(text)
          setDone(true)
          window.setTimeout(() => setDone(false), 1500)
        }}
      >
        {done ? <CheckRoundedIcon fontSize="small" color="success" /> : <ContentCopyRoundedIcon fontSize="small" />}
      </IconButton>
    </Tooltip>
  )
}
