/**
 * A call's conversation read out of its stored request and response, whatever API it spoke: OpenAI chat
 * (`messages`, `choices[].message`), Responses (`instructions`, `input`, `output`), Anthropic (`system`,
 * `messages` with content blocks) and Gemini (`systemInstruction`, `contents`, `candidates`). What cannot be
 * read as messages stays available as raw JSON.
 */
export interface CallMessage {
  role: string
  text: string
  /** The answer (from the response), as opposed to the prompt. */
  answer?: boolean
}

export interface CallToolCall {
  name: string
  arguments: string
  id?: string
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const text = (v: unknown): string => (typeof v === 'string' ? v : '')

function parse(v: unknown): unknown {
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v)
  } catch {
    return v
  }
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

/** The text of a content value: a string, or parts/blocks with `text` (images and the like are named). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  return list(content)
    .map((part) => {
      const p = obj(part)
      if (typeof p.text === 'string') return p.text
      if (p.type === 'image_url' || p.type === 'image' || p.type === 'input_image' || p.inlineData || p.inline_data) return '[image]'
      if (p.type === 'tool_result') return contentText(p.content)
      if (p.functionResponse) return stringify(obj(p.functionResponse).response)
      return ''
    })
    .filter(Boolean)
    .join('\n')
}

export function callMessages(request: unknown, response: unknown, outputText?: string): CallMessage[] {
  const req = obj(parse(request))
  const res = obj(parse(response))
  const out: CallMessage[] = []
  const system = req.system ?? req.instructions ?? obj(req.systemInstruction ?? req.system_instruction).parts
  const systemText = contentText(system)
  if (systemText) out.push({ role: 'system', text: systemText })
  for (const m of list(req.messages)) {
    const o = obj(m)
    const t = contentText(o.content)
    if (t) out.push({ role: text(o.role) || 'user', text: t })
  }
  for (const c of list(req.contents)) {
    const o = obj(c)
    const t = contentText(o.parts)
    if (t) out.push({ role: text(o.role) === 'model' ? 'assistant' : text(o.role) || 'user', text: t })
  }
  if (typeof req.input === 'string') out.push({ role: 'user', text: req.input })
  for (const item of list(req.input)) {
    const o = obj(item)
    const t = contentText(o.content)
    if (t) out.push({ role: text(o.role) || 'user', text: t })
  }
  const answers: string[] = []
  for (const choice of list(res.choices)) {
    const message = obj(obj(choice).message)
    const t = contentText(message.content)
    if (t) answers.push(t)
  }
  if (res.type === 'message' || (Array.isArray(res.content) && !res.choices)) {
    const t = contentText(res.content)
    if (t) answers.push(t)
  }
  for (const item of list(res.output)) {
    const o = obj(item)
    if (o.type === 'message') {
      const t = contentText(o.content)
      if (t) answers.push(t)
    }
  }
  for (const cand of list(res.candidates)) {
    const t = contentText(obj(obj(cand).content).parts)
    if (t) answers.push(t)
  }
  if (!answers.length && outputText) answers.push(outputText)
  for (const a of answers) out.push({ role: 'assistant', text: a, answer: true })
  return out
}

/** The tools the model asked to call in its answer. */
export function callToolCalls(response: unknown): CallToolCall[] {
  const res = obj(parse(response))
  const out: CallToolCall[] = []
  for (const choice of list(res.choices)) {
    for (const call of list(obj(obj(choice).message).tool_calls)) {
      const fn = obj(obj(call).function)
      out.push({ name: text(fn.name) || 'tool', arguments: stringify(fn.arguments ?? ''), id: text(obj(call).id) || undefined })
    }
  }
  for (const block of list(res.content)) {
    const b = obj(block)
    if (b.type === 'tool_use') out.push({ name: text(b.name) || 'tool', arguments: stringify(b.input ?? {}), id: text(b.id) || undefined })
  }
  for (const item of list(res.output)) {
    const o = obj(item)
    if (o.type === 'function_call') out.push({ name: text(o.name) || 'tool', arguments: stringify(o.arguments ?? ''), id: text(o.call_id) || undefined })
  }
  for (const cand of list(res.candidates)) {
    for (const part of list(obj(obj(cand).content).parts)) {
      const call = obj(obj(part).functionCall)
      if (call.name) out.push({ name: text(call.name), arguments: stringify(call.args ?? {}) })
    }
  }
  return out
}
