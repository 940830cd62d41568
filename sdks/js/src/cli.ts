#!/usr/bin/env node
/**
 * `a2g`: the platform from a shell or a CI job — the same commands as the Python SDK's CLI. `a2g --help`
 * lists them, `a2g <command> --help` explains one. URL and credential from --platform-url / --api-key (or
 * --token), else A2G_PLATFORM_URL / A2G_API_KEY (or A2G_TOKEN). Results are JSON on stdout (`chat` streams
 * the answer). Every failure is one sentence on stderr: exit code 1 when the platform refused or could not
 * be reached, 2 for a mistake on the command line.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { Client } from "./client.js";
import { A2GError, ConfigurationError } from "./errors.js";
import type { AgentCard } from "./types.js";
import { VERSION } from "./version.js";

type Values = Record<string, string | boolean | undefined>;
type OptionSpec = Record<string, { type: "string" | "boolean"; help: string; placeholder?: string }>;

interface Command {
  summary: string;
  positionals: string[];
  options: OptionSpec;
  run(a2g: Client, values: Values, args: string[]): Promise<number>;
}

class UsageError extends Error {}

const COMMON: OptionSpec = {
  "platform-url": { type: "string", placeholder: "URL", help: "default: $A2G_PLATFORM_URL, e.g. http://127.0.0.1:3000" },
  "api-key": { type: "string", placeholder: "KEY", help: "an a2g_sk_... key; default: $A2G_API_KEY" },
  token: { type: "string", placeholder: "TOKEN", help: "a signed-in user's access token instead of a key; default: $A2G_TOKEN" },
  "ws-url": { type: "string", placeholder: "URL", help: "the WebSocket URL for chat runs; default: /ws on the platform's origin" },
  timeout: { type: "string", placeholder: "SECONDS", help: "how long to wait for each HTTP answer (default 30)" },
};

const print = (value: unknown): void => console.log(JSON.stringify(value, null, 2));
const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

function readCard(path: string): AgentCard {
  const name = path === "-" ? "standard input" : `the card file '${path}'`;
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new UsageError(`cannot read ${name}: there is no such file`);
    if (code === "EISDIR") throw new UsageError(`cannot read ${name}: it is a folder, not a file`);
    throw new UsageError(`cannot read ${name}: ${(error as Error).message}`);
  }
  let card: unknown;
  try {
    card = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${name} is not JSON: ${(error as Error).message}`);
  }
  if (typeof card !== "object" || card === null || Array.isArray(card)) {
    throw new UsageError(`${name} holds JSON but not an object: an A2A card is a JSON object`);
  }
  return card as AgentCard;
}

function integer(values: Values, name: string): number | undefined {
  const text = str(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, not '${text}'`);
  return Number(text);
}

const COMMANDS: Record<string, Command> = {
  whoami: { summary: "show who the API key or token speaks for", positionals: [], options: {},
    async run(a2g) { print(await a2g.me()); return 0; } },
  register: {
    summary: "register (or update in place) an agent from its A2A card", positionals: [],
    options: {
      "card-url": { type: "string", placeholder: "URL", help: "the agent's base URL or card URL; the platform fetches the card" },
      card: { type: "string", placeholder: "FILE", help: "a card JSON file ('-' for standard input)" },
      "logo-url": { type: "string", placeholder: "URL", help: "the agent's logo" },
      color: { type: "string", placeholder: "#RRGGBB", help: "the agent's colour" },
      framework: { type: "string", placeholder: "NAME", help: "A2A (default), AGNO, ADK, LANGGRAPH or CUSTOM" },
    },
    async run(a2g, values) {
      const card = str(values, "card"), cardUrl = str(values, "card-url");
      if ((card === undefined) === (cardUrl === undefined)) throw new UsageError("give exactly one of --card-url or --card");
      print(await a2g.register({ card: card !== undefined ? readCard(card) : undefined, cardUrl,
        logoUrl: str(values, "logo-url"), color: str(values, "color"), framework: str(values, "framework") }));
      return 0;
    },
  },
  agents: { summary: "list your agents, newest first", positionals: [],
    options: { limit: { type: "string", placeholder: "N", help: "how many" } },
    async run(a2g, values) { print((await a2g.listAgents({ limit: integer(values, "limit") })).items); return 0; } },
  agent: { summary: "show one of your agents (with its trace id and log-proxy base URL)", positionals: ["AGENT_ID"],
    options: {}, async run(a2g, _values, [agentId]) { print(await a2g.getAgent(agentId)); return 0; } },
  update: {
    summary: "change an agent's name, description, colour or logo", positionals: ["AGENT_ID"],
    options: {
      name: { type: "string", help: "a new name" },
      description: { type: "string", help: "a new description" },
      color: { type: "string", placeholder: "#RRGGBB", help: "a new colour" },
      "logo-url": { type: "string", placeholder: "URL", help: "a new logo" },
      version: { type: "string", placeholder: "N", help: "the version you read; default: the current one" },
    },
    async run(a2g, values, [agentId]) {
      const changes = { name: str(values, "name"), description: str(values, "description"), color: str(values, "color"),
        logoUrl: str(values, "logo-url") };
      if (Object.values(changes).every((v) => v === undefined)) {
        throw new UsageError("nothing to change: give --name, --description, --color or --logo-url");
      }
      print(await a2g.updateAgent(agentId, { ...changes, version: integer(values, "version") }));
      return 0;
    },
  },
  publish: { summary: "publish an agent to your colleagues (operation mode)", positionals: ["AGENT_ID"], options: {},
    async run(a2g, _values, [agentId]) { print(await a2g.publish(agentId)); return 0; } },
  withdraw: { summary: "take a published agent back to development", positionals: ["AGENT_ID"], options: {},
    async run(a2g, _values, [agentId]) { print(await a2g.withdraw(agentId)); return 0; } },
  session: { summary: "start a chat session with an agent (prints its session_id and trace_id)",
    positionals: ["AGENT_ID"], options: { title: { type: "string", help: "the session's title" } },
    async run(a2g, values, [agentId]) { print(await a2g.startSession(agentId, { title: str(values, "title") })); return 0; } },
  trace: {
    summary: "print a trace's entries (the LLM calls the log-proxy recorded)", positionals: ["TRACE_ID"],
    options: { limit: { type: "string", placeholder: "N", help: "1-200 (default 50)" },
      order: { type: "string", placeholder: "asc|desc", help: "oldest (default) or newest first" } },
    async run(a2g, values, [traceId]) {
      const order = str(values, "order");
      if (order !== undefined && order !== "asc" && order !== "desc") throw new UsageError("--order must be asc or desc");
      print(await a2g.trace(traceId, { limit: integer(values, "limit"), order }));
      return 0;
    },
  },
  chat: {
    summary: "send a message in a chat session and print the agent's answer as it streams",
    positionals: ["SESSION_ID", "MESSAGE"],
    options: { "run-timeout": { type: "string", placeholder: "SECONDS", help: "how long to wait for the agent's next output (default 900)" } },
    async run(a2g, values, [sessionId, message]) {
      const seconds = Number(str(values, "run-timeout") ?? "900");
      if (!(seconds > 0)) throw new UsageError(`--run-timeout must be a number of seconds, not '${str(values, "run-timeout")}'`);
      let streamed = "";
      for await (const event of a2g.invoke(sessionId, message, { timeoutMs: seconds * 1000 })) {
        if (event.type === "chunk") {
          streamed += event.delta ?? "";
          process.stdout.write(event.delta ?? "");
        } else if (event.type === "message") {
          process.stdout.write((streamed ? "" : event.message?.content ?? "") + "\n");
        } else if (event.type === "error") {
          if (streamed) process.stdout.write("\n");
          console.error(`a2g: the agent's run failed: ${event.error?.message} (${event.error?.code})`);
          return 1;
        }
      }
      return 0;
    },
  },
};

function optionLines(spec: OptionSpec): string[] {
  return Object.entries(spec).map(([name, o]) => `  --${name}${o.placeholder ? ` ${o.placeholder}` : ""}`.padEnd(28) + o.help);
}

function topHelp(): string {
  return ["usage: a2g [--help] [--version] <command> [options]", "",
    "The A2G Agent Platform from the command line: register, update and publish agents, start chat sessions,",
    "read traces, chat with an agent.", "", "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`), "",
    "Run 'a2g <command> --help' for a command's options."].join("\n");
}

function commandHelp(name: string, command: Command): string {
  const args = command.positionals.join(" ");
  return [`usage: a2g ${name} [options]${args ? " " + args : ""}`, "", command.summary[0].toUpperCase() +
    command.summary.slice(1) + ".", "", "options:", "  -h, --help".padEnd(28) + "show this help",
    ...optionLines(command.options), "", "platform:", ...optionLines(COMMON)].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") {
    console.log(`@a2g/sdk ${VERSION}`);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(topHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`a2g: unknown command '${name}'; run 'a2g --help' for the commands`);
    return 2;
  }
  const spec = { ...command.options, ...COMMON, help: { type: "boolean" as const, help: "" } };
  let values: Values;
  let args: string[];
  try {
    const parsed = parseArgs({ args: rest, allowPositionals: true, strict: true,
      options: Object.fromEntries(Object.entries(spec).map(([k, o]) => [k, { type: o.type, ...(k === "help" ? { short: "h" } : {}) }])) });
    values = parsed.values as Values;
    args = parsed.positionals;
  } catch (error) {
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    console.error(`a2g ${name}: ${option ? `unknown option '${option}'` : (error as Error).message.split(". ")[0]}; ` +
      `run 'a2g ${name} --help'`);
    return 2;
  }
  if (values.help) {
    console.log(commandHelp(name, command));
    return 0;
  }
  if (args.length !== command.positionals.length) {
    console.error(`a2g ${name}: expected ${command.positionals.join(" ") || "no arguments"}; run 'a2g ${name} --help'`);
    return 2;
  }
  try {
    const timeout = str(values, "timeout");
    if (timeout !== undefined && !(Number(timeout) > 0)) throw new UsageError(`--timeout must be a number of seconds, not '${timeout}'`);
    const a2g = new Client({ platformUrl: str(values, "platform-url"), apiKey: str(values, "api-key"),
      token: str(values, "token"), wsUrl: str(values, "ws-url"),
      timeoutMs: timeout !== undefined ? Number(timeout) * 1000 : undefined });
    return await command.run(a2g, values, args);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigurationError || error instanceof TypeError) {
      console.error(`a2g: ${error.message}`);
      return 2;
    }
    if (error instanceof A2GError) {
      console.error(`a2g: ${error.message}`);
      return 1;
    }
    console.error(`a2g: an unexpected error: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
