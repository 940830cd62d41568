/**
 * @a2g/sdk — the A2G Agent Platform from JavaScript / TypeScript: register, update and publish agents, chat
 * sessions, traces, streamed chat runs. ESM (`import`) and CommonJS (`require`), Node.js 18+ (or a browser).
 *
 *   import { Client } from "@a2g/sdk";           // or: const { Client } = require("@a2g/sdk");
 *   const a2g = new Client({ platformUrl: "http://127.0.0.1:3000", apiKey: "a2g_sk_..." });
 *   const agent = await a2g.register({ cardUrl: "http://my-agent:8000" });
 */

import { Client, type ClientOptions, type RegistrationOptions } from "./client.js";
import type { RegisteredAgent } from "./types.js";

export { Client, REGISTER_PATH, registrationBody } from "./client.js";
export type { AgentChanges, ClientOptions, InvokeOptions, NewAgent, RegistrationOptions } from "./client.js";
export { API_KEY_ENV, PLATFORM_URL_ENV, TOKEN_ENV, WS_URL_ENV } from "./core.js";
export type { WebSocketClass, WebSocketLike } from "./core.js";
export * from "./errors.js";
export type * from "./types.js";
export { VERSION } from "./version.js";

export interface RegisterOptions extends RegistrationOptions, Omit<ClientOptions, "WebSocket"> {}

/** Register (or update) an agent from its A2A card in one call; see `Client.register`. */
export async function register(options: RegisterOptions): Promise<RegisteredAgent> {
  return new Client(options).register(options);
}
