/**
 * A colour per agent name within one trace. Each name prefers the slot its hash picks; a name whose slot is
 * taken moves to the next free one, in order of first appearance. So up to `AGENT_PALETTE.length` agents
 * never share a colour, an agent keeps its colour when later agents appear, and the same trace gets the
 * same colours on every load (history comes in time order). Past the palette, colours repeat by hash.
 *
 * The colours are mid pastels that carry dark text (#1f1f1f) at AA contrast in both themes, and differ in
 * hue enough to be told apart at a glance.
 */
export const AGENT_PALETTE = [
  '#8AB4F8', // blue
  '#81C995', // green
  '#FDD663', // yellow
  '#F28B82', // red
  '#C58AF9', // purple
  '#78D9EC', // cyan
  '#FCAD70', // orange
  '#FF8BCB', // pink
  '#C6E36B', // lime
  '#D7B899', // tan
  '#BDC1C6', // grey
  '#7FD8BE', // teal
] as const

export function hashName(name: string): number {
  let h = 2166136261
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 16777619) >>> 0
  }
  return h
}

/** `names` in order of first appearance (duplicates are ignored) → colour per name. */
export function assignAgentColors(names: Iterable<string>, palette: readonly string[] = AGENT_PALETTE): Map<string, string> {
  const out = new Map<string, string>()
  const taken = new Set<number>()
  for (const name of names) {
    if (out.has(name)) continue
    const preferred = hashName(name) % palette.length
    let slot = preferred
    if (taken.size < palette.length) {
      while (taken.has(slot)) slot = (slot + 1) % palette.length
      taken.add(slot)
    }
    out.set(name, palette[slot])
  }
  return out
}

/** What an entry is labelled by: the agent's name when the span said it, else its id. */
export function agentLabel(entry: { agent_name?: string | null; agent_id?: string | null }): string {
  return entry.agent_name || entry.agent_id || 'agent'
}
