/**
 * The trace as a tree: entries made from OpenTelemetry spans carry `span.parent_span_id`; a log-proxy entry
 * joined with its LLM span carries the span too, so it sits under the agent that made the call. Entries
 * without a span (the proxy's, before or without spans) are roots, in time order.
 */
export interface SpanInfo {
  span_id: string
  parent_span_id?: string | null
  name?: string
  ended_at?: string
}

export interface TreeEntry {
  entry_id: string
  at?: string
  created_at?: string
  kind?: string
  api?: string
  model?: string
  agent_id?: string | null
  agent_name?: string | null
  status?: string
  latency_ms?: number | null
  span?: SpanInfo
  tool?: { name?: string }
}

export interface TreeNode {
  entry: TreeEntry
  children: TreeNode[]
  start: number
  end: number
}

function time(entry: TreeEntry): number {
  const at = Date.parse(entry.at ?? entry.created_at ?? '')
  return Number.isFinite(at) ? at : 0
}

export function buildTree(entries: TreeEntry[]): TreeNode[] {
  // A span entry and the proxy entry it was merged into name the same span: keep the proxy's (the whole call).
  const bySpan = new Map<string, TreeEntry>()
  for (const e of entries) {
    const id = e.span?.span_id
    if (!id) continue
    const held = bySpan.get(id)
    if (!held || (held.api === 'otel' && e.api !== 'otel')) bySpan.set(id, e)
  }
  const kept = entries.filter((e) => !e.span?.span_id || bySpan.get(e.span.span_id) === e)
  const nodes = new Map<string, TreeNode>()
  const all: TreeNode[] = kept.map((entry) => {
    const start = time(entry)
    const node = { entry, children: [], start, end: start + Math.max(0, entry.latency_ms ?? 0) }
    if (entry.span?.span_id) nodes.set(entry.span.span_id, node)
    return node
  })
  const roots: TreeNode[] = []
  for (const node of all) {
    const parent = node.entry.span?.parent_span_id ? nodes.get(node.entry.span.parent_span_id) : undefined
    if (parent && parent !== node) parent.children.push(node)
    else roots.push(node)
  }
  const order = (list: TreeNode[]) => {
    list.sort((a, b) => a.start - b.start)
    list.forEach((n) => order(n.children))
  }
  order(roots)
  return roots
}

export function label(entry: TreeEntry): string {
  if (entry.kind === 'agent_run') return entry.agent_name || entry.agent_id || entry.span?.name || 'agent'
  if (entry.kind === 'tool_call') return entry.tool?.name || entry.span?.name || 'tool'
  if (entry.kind === 'step') return entry.span?.name || 'step'
  return entry.model || entry.span?.name || 'LLM'
}

export function kindOf(entry: TreeEntry): 'agent' | 'tool' | 'llm' | 'step' {
  if (entry.kind === 'agent_run') return 'agent'
  if (entry.kind === 'tool_call') return 'tool'
  if (entry.kind === 'step') return 'step'
  return 'llm'
}
