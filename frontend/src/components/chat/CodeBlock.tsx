/**
 * A highlighted code block with its language and a copy button. Uses Prism's light build with only the
 * languages agents usually answer in, so the highlighter adds little to the (lazy) playground chunk.
 */
import { Box, Typography } from '@mui/material'
import SyntaxHighlighter from 'react-syntax-highlighter/dist/esm/prism-light'
import python from 'react-syntax-highlighter/dist/esm/languages/prism/python'
import javascript from 'react-syntax-highlighter/dist/esm/languages/prism/javascript'
import typescript from 'react-syntax-highlighter/dist/esm/languages/prism/typescript'
import tsx from 'react-syntax-highlighter/dist/esm/languages/prism/tsx'
import bash from 'react-syntax-highlighter/dist/esm/languages/prism/bash'
import json from 'react-syntax-highlighter/dist/esm/languages/prism/json'
import yaml from 'react-syntax-highlighter/dist/esm/languages/prism/yaml'
import sql from 'react-syntax-highlighter/dist/esm/languages/prism/sql'
import go from 'react-syntax-highlighter/dist/esm/languages/prism/go'
import java from 'react-syntax-highlighter/dist/esm/languages/prism/java'
import markdown from 'react-syntax-highlighter/dist/esm/languages/prism/markdown'
import oneLight from 'react-syntax-highlighter/dist/esm/styles/prism/one-light'
import oneDark from 'react-syntax-highlighter/dist/esm/styles/prism/one-dark'
import { useTranslation } from 'react-i18next'
import { useUiStore } from '../../store/ui'
import { accessibleCodeStyle } from '../../lib/contrast'
import { CopyButton } from '../CopyButton'

const LANGUAGES: Record<string, unknown> = { python, javascript, typescript, tsx, bash, json, yaml, sql, go, java, markdown }
const ALIASES: Record<string, string> = { py: 'python', js: 'javascript', jsx: 'javascript', ts: 'typescript', sh: 'bash', shell: 'bash', zsh: 'bash', yml: 'yaml', md: 'markdown', console: 'bash' }
for (const [name, lang] of Object.entries(LANGUAGES)) SyntaxHighlighter.registerLanguage(name, lang)

// One Light / One Dark with every token colour moved to WCAG AA on the block's background.
const BACKGROUND = { light: '#fafafa', dark: '#282c34' }
const STYLES = { light: accessibleCodeStyle(oneLight, BACKGROUND.light), dark: accessibleCodeStyle(oneDark, BACKGROUND.dark) }

export function normalizeLanguage(lang: string | undefined): string {
  const l = (lang ?? '').toLowerCase()
  const resolved = ALIASES[l] ?? l
  return resolved in LANGUAGES ? resolved : 'text'
}

export function CodeBlock({ code, language, maxHeight }: { code: string; language?: string; maxHeight?: number }) {
  const { t } = useTranslation()
  const scheme = useUiStore((s) => s.colorScheme)
  const lang = normalizeLanguage(language)
  return (
    <Box className="my-3 rounded-2xl overflow-hidden" sx={{ border: '1px solid var(--a2g-border)', bgcolor: BACKGROUND[scheme] }} data-testid="code-block">
      <Box className="flex items-center justify-between pl-4 pr-1 h-9" sx={{ bgcolor: 'var(--a2g-raised)' }}>
        <Typography sx={{ fontFamily: 'monospace' }} variant="caption" color="text.secondary">
          {language || 'text'}
        </Typography>
        <CopyButton text={code} label={t('code.copy')} />
      </Box>
      <SyntaxHighlighter
        language={lang}
        style={STYLES[scheme]}
        // A block that scrolls sideways must be reachable by keyboard (arrow keys scroll it once focused).
        PreTag={(props: Record<string, unknown>) => <pre {...props} tabIndex={0} aria-label={t('code.block', { language: language || 'text' })} />}
        customStyle={{ margin: 0, padding: '14px 16px', background: 'transparent', fontSize: '0.85rem', maxHeight, overflow: 'auto' }}
        codeTagProps={{ style: { fontFamily: 'var(--a2g-mono)' } }}
      >
        {code}
      </SyntaxHighlighter>
    </Box>
  )
}
