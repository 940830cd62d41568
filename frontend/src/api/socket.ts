/**
 * The browser's native WebSocket to `/ws` (API Gateway WebSockets speak plain JSON frames, not Socket.IO),
 * with what a long-lived page needs: reconnect with capped exponential backoff and a fresh token each time,
 * re-subscription of every trace after a reconnect, and a ping keep-alive (idle API Gateway sockets close
 * after 10 minutes).
 */

export type SocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ServerMessage {
  type: string
  [key: string]: unknown
}

export interface TraceSocketOptions {
  /** The current access token (may refresh first); null means signed out: stop trying. */
  getToken: () => Promise<string | null>
  url?: (token: string, traceId: string | null) => string
  pingIntervalMs?: number
  maxBackoffMs?: number
  /** Injected in tests. */
  createSocket?: (url: string) => WebSocket
}

type Listener = (msg: ServerMessage) => void
type StateListener = (state: SocketState) => void

function defaultUrl(token: string, traceId: string | null): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
  const q = new URLSearchParams({ token })
  if (traceId) q.set('trace_id', traceId)
  return `${proto}//${window.location.host}/ws?${q.toString()}`
}

export class TraceSocket {
  private ws: WebSocket | null = null
  private state: SocketState = 'idle'
  private readonly traces = new Set<string>()
  private readonly listeners = new Set<Listener>()
  private readonly stateListeners = new Set<StateListener>()
  private readonly outbox: string[] = []
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private stopped = false
  private readonly opts: Required<Omit<TraceSocketOptions, 'createSocket'>> & Pick<TraceSocketOptions, 'createSocket'>

  constructor(opts: TraceSocketOptions) {
    this.opts = { url: defaultUrl, pingIntervalMs: 30_000, maxBackoffMs: 15_000, ...opts }
  }

  get connectionState(): SocketState {
    return this.state
  }

  onMessage(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  onState(fn: StateListener): () => void {
    this.stateListeners.add(fn)
    fn(this.state)
    return () => this.stateListeners.delete(fn)
  }

  start(): void {
    this.stopped = false
    if (this.ws || this.state === 'connecting') return
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.clearPing()
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onclose = null
      ws.close(1000, 'bye')
    }
    this.setState('closed')
  }

  subscribe(traceId: string): void {
    if (!traceId || this.traces.has(traceId)) return
    this.traces.add(traceId)
    this.send({ action: 'subscribe', trace_id: traceId })
  }

  unsubscribe(traceId: string): void {
    if (!this.traces.delete(traceId)) return
    this.send({ action: 'unsubscribe', trace_id: traceId })
  }

  /** Sends now when open; otherwise queues it for the next open (chat messages must not be lost). */
  send(payload: Record<string, unknown>): void {
    const data = JSON.stringify(payload)
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
    else if (payload.action !== 'subscribe' && payload.action !== 'unsubscribe' && payload.action !== 'ping') this.outbox.push(data)
  }

  private setState(s: SocketState): void {
    if (s === this.state) return
    this.state = s
    this.stateListeners.forEach((fn) => fn(s))
  }

  private async connect(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting')
    const token = await this.opts.getToken()
    if (this.stopped) return
    if (!token) {
      this.setState('closed')
      return
    }
    const first = [...this.traces][0] ?? null
    const ws = this.opts.createSocket ? this.opts.createSocket(this.opts.url(token, first)) : new WebSocket(this.opts.url(token, first))
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.setState('open')
      // The URL subscribed the first trace; subscribing again is harmless and covers servers that ignore it.
      for (const t of this.traces) ws.send(JSON.stringify({ action: 'subscribe', trace_id: t }))
      while (this.outbox.length) ws.send(this.outbox.shift() as string)
      this.clearPing()
      this.pingTimer = setInterval(() => this.send({ action: 'ping' }), this.opts.pingIntervalMs)
    }
    ws.onmessage = (ev: MessageEvent) => {
      let msg: ServerMessage
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage
      } catch {
        return
      }
      if (msg && typeof msg.type === 'string') this.listeners.forEach((fn) => fn(msg))
    }
    ws.onerror = () => {
      /* onclose follows and decides about reconnecting */
    }
    ws.onclose = () => {
      this.ws = null
      this.clearPing()
      if (this.stopped) {
        this.setState('closed')
        return
      }
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    this.attempt += 1
    this.setState('reconnecting')
    const delay = Math.min(this.opts.maxBackoffMs, 500 * 2 ** Math.min(this.attempt - 1, 6)) * (0.75 + Math.random() * 0.5)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      void this.connect()
    }, delay)
  }

  private clearPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = null
  }
}
