/**
 * The run as a tree (agent → its LLM and tool calls, a sub-agent's calls under the sub-agent), each row
 * collapsible, with its duration as a bar on the run's timeline. Built from entries that carry OTel spans.
 */
import { useMemo, useState } from 'react'
import { Box, IconButton, Typography } from '@mui/material'
import ExpandMoreRoundedIcon from '@mui/icons-material/ExpandMoreRounded'
import ChevronRightRoundedIcon from '@mui/icons-material/ChevronRightRounded'
import { useTranslation } from 'react-i18next'
import { buildTree, kindOf, label, type TreeEntry, type TreeNode } from './traceTree'

const COLORS = { agent: 'var(--a2g-accent)', llm: '#1a73e8', tool: '#1e8e3e', step: '#9aa0a6' } as const

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
}

function Row({ node, depth, range }: { node: TreeNode; depth: number; range: [number, number] }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(true)
  const kind = kindOf(node.entry)
  const span = Math.max(1, range[1] - range[0])
  const left = ((node.start - range[0]) / span) * 100
  const width = Math.max(1, ((node.end - node.start) / span) * 100)
  const name = label(node.entry)
  return (
    <Box role="treeitem" aria-expanded={node.children.length ? open : undefined} aria-label={`${t(`trace.tree.${kind}`)} ${name}`} data-testid="trace-tree-node" data-kind={kind}>
      <Box className="flex items-center gap-1 min-w-0" sx={{ pl: depth * 1.5 }}>
        {node.children.length ? (
          <IconButton size="small" onClick={() => setOpen(!open)} aria-label={open ? t('trace.tree.collapse') : t('trace.tree.expand')} sx={{ p: 0.25 }}>
            {open ? <ExpandMoreRoundedIcon fontSize="small" /> : <ChevronRightRoundedIcon fontSize="small" />}
          </IconButton>
        ) : (
          <Box component="span" sx={{ width: 24, flexShrink: 0 }} />
        )}
        <Box component="span" sx={{ width: 8, height: 8, borderRadius: 9, bgcolor: COLORS[kind], flexShrink: 0 }} />
        <Typography variant="body2" noWrap className="flex-1 min-w-0" sx={{ fontWeight: kind === 'agent' ? 600 : 400, color: node.entry.status === 'error' ? 'error.main' : undefined }} title={name}>
          <Box component="span" sx={{ color: 'var(--a2g-muted)', mr: 0.5 }}>{t(`trace.tree.${kind}`)}</Box>
          {name}
        </Typography>
        <Typography variant="caption" color="text.secondary" sx={{ flexShrink: 0 }}>
          {node.entry.status === 'running' ? t('trace.running') : duration(node.end - node.start)}
        </Typography>
      </Box>
      <Box aria-hidden sx={{ position: 'relative', height: 4, ml: `${depth * 12 + 28}px`, mb: 0.5, bgcolor: 'var(--a2g-border)', borderRadius: 2 }}>
        <Box sx={{ position: 'absolute', left: `${Math.min(99, left)}%`, width: `${Math.min(100 - Math.min(99, left), width)}%`, top: 0, bottom: 0, bgcolor: COLORS[kind], borderRadius: 2 }} />
      </Box>
      {open && node.children.length > 0 && (
        <Box role="group">
          {node.children.map((child) => <Row key={child.entry.entry_id} node={child} depth={depth + 1} range={range} />)}
        </Box>
      )}
    </Box>
  )
}

export function TraceTree({ entries }: { entries: TreeEntry[] }) {
  const { t } = useTranslation()
  const roots = useMemo(() => buildTree(entries), [entries])
  if (!roots.length) return null
  return (
    <Box role="tree" aria-label={t('trace.tree.title')} data-testid="trace-tree" className="flex flex-col gap-0.5 p-2 rounded-xl" sx={{ border: '1px solid var(--a2g-border)' }}>
      {roots.map((root) => {
        const all: TreeNode[] = []
        const walk = (n: TreeNode) => { all.push(n); n.children.forEach(walk) }
        walk(root)
        const range: [number, number] = [Math.min(...all.map((n) => n.start)), Math.max(...all.map((n) => n.end))]
        return <Row key={root.entry.entry_id} node={root} depth={0} range={range} />
      })}
    </Box>
  )
}
