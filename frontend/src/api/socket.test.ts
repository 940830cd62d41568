import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TraceSocket, type SocketState } from './socket'

class FakeSocket {
  static instances: FakeSocket[] = []
  readyState = 0
  sent: string[] = []
  onopen: (() => void) | null = null
  onclose: (() => void) | null = null
  onmessage: ((ev: { data: string }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(public url: string) {
    FakeSocket.instances.push(this)
  }
  send(d: string) {
    this.sent.push(d)
  }
  close() {
    this.readyState = 3
    this.onclose?.()
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  drop() {
    this.readyState = 3
    this.onclose?.()
  }
}

beforeEach(() => {
  FakeSocket.instances = []
  vi.useFakeTimers()
  vi.stubGlobal('WebSocket', { OPEN: 1 })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

const make = (token = 'tok') =>
  new TraceSocket({
    getToken: async () => token,
    url: (t, trace) => `ws://test/ws?token=${t}${trace ? `&trace_id=${trace}` : ''}`,
    createSocket: (u) => new FakeSocket(u) as unknown as WebSocket,
  })

describe('TraceSocket', () => {
  it('connects with the token and the first trace, and subscribes on open', async () => {
    const s = make()
    s.subscribe('tr1')
    s.start()
    await vi.runAllTicks()
    await Promise.resolve()
    const ws = FakeSocket.instances[0]
    expect(ws.url).toBe('ws://test/ws?token=tok&trace_id=tr1')
    ws.open()
    expect(ws.sent.map((x) => JSON.parse(x))).toContainEqual({ action: 'subscribe', trace_id: 'tr1' })
    s.stop()
  })

  it('queues an invoke until the socket opens', async () => {
    const s = make()
    s.start()
    await Promise.resolve()
    s.send({ action: 'invoke', session_id: 's', message: 'hi' })
    const ws = FakeSocket.instances[0]
    expect(ws.sent).toEqual([])
    ws.open()
    expect(ws.sent.map((x) => JSON.parse(x).action)).toContain('invoke')
    s.stop()
  })

  it('reconnects after a drop and subscribes again, reporting its state', async () => {
    const states: SocketState[] = []
    const s = make()
    s.onState((st) => states.push(st))
    s.subscribe('tr1')
    s.start()
    await Promise.resolve()
    FakeSocket.instances[0].open()
    FakeSocket.instances[0].drop()
    expect(states).toContain('reconnecting')
    await vi.advanceTimersByTimeAsync(2000)
    const second = FakeSocket.instances[1]
    expect(second).toBeDefined()
    second.open()
    expect(second.sent.map((x) => JSON.parse(x))).toContainEqual({ action: 'subscribe', trace_id: 'tr1' })
    expect(states.at(-1)).toBe('open')
    s.stop()
    expect(states.at(-1)).toBe('closed')
  })

  it('delivers JSON messages that carry a type and ignores the rest', async () => {
    const s = make()
    const got: unknown[] = []
    s.onMessage((m) => got.push(m))
    s.start()
    await Promise.resolve()
    const ws = FakeSocket.instances[0]
    ws.open()
    ws.onmessage?.({ data: '{"type":"pong"}' })
    ws.onmessage?.({ data: 'not json' })
    ws.onmessage?.({ data: '{"no":"type"}' })
    expect(got).toEqual([{ type: 'pong' }])
    s.stop()
  })

  it('stops trying when there is no token', async () => {
    const s = new TraceSocket({ getToken: async () => null, createSocket: (u) => new FakeSocket(u) as unknown as WebSocket })
    s.start()
    await Promise.resolve()
    await Promise.resolve()
    expect(FakeSocket.instances).toHaveLength(0)
    expect(s.connectionState).toBe('closed')
  })
})
