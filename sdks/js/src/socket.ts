/**
 * One WebSocket to the platform as a queue the client awaits: `open` it, `send` a frame, `next` push (or a
 * timeout), `close`. Chat runs (`invoke`), Stops (`cancel`) and live traces (`watchTrace`) each use their own.
 */

import { type Settings, type WebSocketClass, webSocketClass, webSocketError, wsConnectUrl } from "./core.js";
import { A2GError, ConnectionFailed } from "./errors.js";

type Item = { kind: "open" } | { kind: "data"; data: unknown } | { kind: "failed"; error: A2GError } | { kind: "closed" };

export class PlatformSocket {
  private readonly queue: Item[] = [];
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: { send(data: string): void; close(code?: number): void },
    readonly wsUrl: string) {}

  /** Opens the WebSocket (the credential as `?token=`); a refused handshake throws AuthenticationFailed. */
  static async open(settings: Settings, given: WebSocketClass | undefined, timeoutMs: number): Promise<PlatformSocket> {
    const Socket = await webSocketClass(given);
    const raw = new Socket(wsConnectUrl(settings));
    const socket = new PlatformSocket(raw, settings.wsUrl);
    raw.addEventListener("open", () => socket.put({ kind: "open" }));
    raw.addEventListener("message", (event) => socket.put({ kind: "data", data: event.data }));
    raw.addEventListener("error", (event) => socket.put({ kind: "failed", error: webSocketError(event, settings.wsUrl) }));
    raw.addEventListener("close", () => socket.put({ kind: "closed" }));
    try {
      const opened = await socket.item(timeoutMs, () => new ConnectionFailed(
        `the WebSocket at ${settings.wsUrl} did not open in time`, { code: "timeout" }));
      if (opened.kind === "failed") throw opened.error;
      if (opened.kind !== "open") {
        throw new ConnectionFailed(`the platform closed the WebSocket at ${settings.wsUrl} while opening it`,
          { code: "connection_closed" });
      }
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  send(frame: string): void {
    this.socket.send(frame);
  }

  /** The next push's data; throws `onTimeout()` after `waitMs` of silence, and when the socket fails or closes. */
  async next(waitMs: number | undefined, onTimeout: () => A2GError, during: string): Promise<unknown> {
    const item = await this.item(waitMs, onTimeout);
    if (item.kind === "failed") throw item.error;
    if (item.kind === "closed") {
      throw new ConnectionFailed(`the WebSocket to ${this.wsUrl} closed before ${during} ended`,
        { code: "connection_closed" });
    }
    return item.kind === "data" ? item.data : this.next(waitMs, onTimeout, during);
  }

  close(): void {
    this.socket.close(1000);
  }

  private put(item: Item): void {
    this.queue.push(item);
    this.wake?.();
  }

  private async item(waitMs: number | undefined, onTimeout: () => A2GError): Promise<Item> {
    if (!this.queue.length) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (waitMs !== undefined) timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
      this.wake = undefined;
    }
    const item = this.queue.shift();
    if (!item) throw onTimeout();
    return item;
  }
}
