import { describe, expect, it } from 'vitest'
import { callMessages, callToolCalls } from './callDetail'

describe('a call read as messages and tool calls', () => {
  it('reads OpenAI chat completions', () => {
    const request = { model: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Weather?' }, { type: 'image_url', image_url: { url: 'x' } }] }] }
    const response = { choices: [{ message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Seoul"}' } }] } }] }
    expect(callMessages(request, response)).toEqual([
      { role: 'system', text: 'Be brief.' },
      { role: 'user', text: 'Weather?\n[image]' },
    ])
    expect(callToolCalls(response)).toEqual([{ name: 'get_weather', arguments: '{"city":"Seoul"}', id: 'c1' }])
  })

  it('reads Anthropic messages, with the answer and its tool use', () => {
    const request = { system: 'You plan trips.', messages: [{ role: 'user', content: 'Plan Jeju' }] }
    const response = { type: 'message', content: [{ type: 'text', text: 'Day 1: …' }, { type: 'tool_use', id: 't1', name: 'search', input: { q: 'Jeju' } }] }
    expect(callMessages(request, response)).toEqual([
      { role: 'system', text: 'You plan trips.' },
      { role: 'user', text: 'Plan Jeju' },
      { role: 'assistant', text: 'Day 1: …', answer: true },
    ])
    expect(callToolCalls(response)).toEqual([{ name: 'search', arguments: '{"q":"Jeju"}', id: 't1' }])
  })

  it('reads Gemini and the Responses API, and JSON kept as a string', () => {
    const gemini = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }, { role: 'model', parts: [{ text: 'Hello' }] }] }
    const answer = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'How can I help?' }, { functionCall: { name: 'lookup', args: { id: 3 } } }] } }] })
    expect(callMessages(gemini, answer).map((m) => [m.role, m.text])).toEqual([['user', 'Hi'], ['assistant', 'Hello'], ['assistant', 'How can I help?']])
    expect(callToolCalls(answer)).toEqual([{ name: 'lookup', arguments: '{"id":3}' }])
    const responses = { instructions: 'Terse.', input: 'Sum 2+2' }
    const out = { output: [{ type: 'function_call', call_id: 'f1', name: 'add', arguments: '{"a":2,"b":2}' }, { type: 'message', content: [{ type: 'output_text', text: '4' }] }] }
    expect(callMessages(responses, out).map((m) => m.text)).toEqual(['Terse.', 'Sum 2+2', '4'])
    expect(callToolCalls(out)[0]).toMatchObject({ name: 'add', id: 'f1' })
  })

  it('falls back to the streamed text for a call still running, and to nothing for what it cannot read', () => {
    expect(callMessages({ messages: [{ role: 'user', content: 'q' }] }, undefined, 'partial ans')).toEqual([
      { role: 'user', text: 'q' },
      { role: 'assistant', text: 'partial ans', answer: true },
    ])
    expect(callMessages('not json', 42)).toEqual([])
    expect(callToolCalls(null)).toEqual([])
  })
})
