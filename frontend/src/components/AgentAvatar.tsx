import { Avatar } from '@mui/material'
import { useState } from 'react'
import type { Agent } from '../api/types'
import { textOn } from '../lib/contrast'

/** Stable pastel colour for a string (agent ids in the trace, agents without a colour). */
export function colorFor(key: string): string {
  const palette = ['#F28B82', '#FBBC04', '#81C995', '#8AB4F8', '#C58AF9', '#FDA4C8', '#78D9EC', '#FCAD70', '#A8DAB5', '#AECBFA']
  let h = 0
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0
  return palette[h % palette.length]
}

export function AgentAvatar({ agent, size = 44 }: { agent: Pick<Agent, 'name' | 'logo_url' | 'color' | 'agent_id'>; size?: number }) {
  const [broken, setBroken] = useState(false)
  const bg = agent.color || colorFor(agent.agent_id || agent.name)
  const initials = agent.name.trim().slice(0, 2).toUpperCase() || 'AG'
  return (
    <Avatar
      variant="rounded"
      src={agent.logo_url && !broken ? agent.logo_url : undefined}
      alt=""
      slotProps={{ img: { onError: () => setBroken(true), referrerPolicy: 'no-referrer' } }}
      sx={{ width: size, height: size, borderRadius: size / 3.2, bgcolor: bg, color: textOn(bg), fontWeight: 600, fontSize: size / 2.8 }}
    >
      {initials}
    </Avatar>
  )
}
