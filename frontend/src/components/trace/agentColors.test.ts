import { describe, expect, it } from 'vitest'
import { AGENT_PALETTE, agentLabel, assignAgentColors, hashName } from './agentColors'

describe('agent colours within a trace', () => {
  it('gives up to the palette size of agents distinct colours, whatever their names hash to', () => {
    for (const names of [
      Array.from({ length: AGENT_PALETTE.length }, (_, i) => `agent-${i}`),
      Array.from({ length: AGENT_PALETTE.length }, (_, i) => `sub_agent_${'x'.repeat(i)}`),
      ['planner', 'researcher', 'writer', 'critic', 'planner-2', 'tool-runner'],
    ]) {
      const colors = assignAgentColors(names)
      expect(new Set(colors.values()).size).toBe(names.length)
      for (const c of colors.values()) expect(AGENT_PALETTE).toContain(c)
    }
  })

  it('keeps the colours of the agents already shown when another one appears', () => {
    const before = assignAgentColors(['planner', 'writer', 'critic'])
    const after = assignAgentColors(['planner', 'writer', 'critic', 'researcher', 'summariser'])
    for (const [name, color] of before) expect(after.get(name)).toBe(color)
  })

  it('is the same on every load and ignores repeated names', () => {
    const names = ['a', 'b', 'a', 'c', 'b']
    expect([...assignAgentColors(names)]).toEqual([...assignAgentColors(['a', 'b', 'c'])])
    expect(assignAgentColors(names).size).toBe(3)
  })

  it('moves a name whose preferred colour is taken instead of sharing it', () => {
    // Two names that hash to the same slot: a plain hash would paint them alike.
    const slot = (n: string) => hashName(n) % AGENT_PALETTE.length
    const first = 'agent-0'
    let second = ''
    for (let i = 1; !second; i++) if (slot(`agent-${i}`) === slot(first)) second = `agent-${i}`
    const colors = assignAgentColors([first, second])
    expect(colors.get(first)).toBe(AGENT_PALETTE[slot(first)])
    expect(colors.get(second)).not.toBe(colors.get(first))
    // Past the palette colours repeat, but every name still gets one.
    const palette = ['#111111', '#222222']
    expect(assignAgentColors(['x', 'y', 'z'], palette).size).toBe(3)
  })

  it('labels an entry by its agent name, else its id', () => {
    expect(agentLabel({ agent_name: 'Planner', agent_id: 'agt_1' })).toBe('Planner')
    expect(agentLabel({ agent_id: 'agt_1' })).toBe('agt_1')
    expect(agentLabel({})).toBe('agent')
  })
})
