#!/usr/bin/env node
/**
 * `a2g register --card-url URL` / `a2g register --card FILE [--logo-url U] [--color #RRGGBB] [--framework F]`
 * API key and platform URL from A2G_API_KEY / A2G_PLATFORM_URL (or --api-key / --platform-url).
 * Prints the registered agent as JSON; exit code 1 when the platform refused it, 2 on bad usage.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { A2GError, register, type AgentCard } from "./index.js";

const USAGE = "usage: a2g register (--card-url URL | --card FILE) [--logo-url URL] [--color #RRGGBB] " +
  "[--framework NAME] [--api-key KEY] [--platform-url URL]";

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "card-url": { type: "string" },
        card: { type: "string" },
        "logo-url": { type: "string" },
        color: { type: "string" },
        framework: { type: "string" },
        "api-key": { type: "string" },
        "platform-url": { type: "string" },
      },
    });
  } catch (error) {
    console.error(`a2g: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== "register" || (values.card === undefined) === (values["card-url"] === undefined)) {
    console.error(USAGE);
    return 2;
  }
  let card: AgentCard | undefined;
  if (values.card !== undefined) {
    try {
      card = JSON.parse(readFileSync(values.card === "-" ? 0 : values.card, "utf8")) as AgentCard;
    } catch (error) {
      console.error(`a2g: cannot read a card from ${values.card}: ${(error as Error).message}`);
      return 2;
    }
  }
  try {
    const agent = await register({
      card,
      cardUrl: values["card-url"],
      logoUrl: values["logo-url"],
      color: values.color,
      framework: values.framework,
      apiKey: values["api-key"],
      platformUrl: values["platform-url"],
    });
    console.log(JSON.stringify(agent, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof A2GError) {
      console.error(`a2g: registration failed: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
