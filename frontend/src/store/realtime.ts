/**
 * The app's one WebSocket, shared by the live trace and the chat. Started after sign-in, stopped on
 * sign-out; components read its state through `useTraceStore`.
 */
import { TraceSocket, type ServerMessage, type SocketState } from '../api/socket'
import { useAuthStore } from './auth'

let socket: TraceSocket | null = null

async function freshToken(): Promise<string | null> {
  const auth = useAuthStore.getState()
  if (auth.status === 'signed_out') return null
  // A reconnect may come long after the token was issued: refresh only if it is about to expire, since every
  // refresh rotates the cookie (a needless one races other tabs and reloads).
  return auth.validToken()
}

export function getSocket(): TraceSocket {
  if (!socket) socket = new TraceSocket({ getToken: freshToken })
  return socket
}

export function stopSocket(): void {
  socket?.stop()
  socket = null
}

export type { ServerMessage, SocketState }
