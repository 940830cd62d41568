// A TypeScript program in a CommonJS project (no "type": "module"): it must type-check against the package's
// CommonJS declarations and then run, compiled to require() calls.
import { AuthenticationFailed, Client, type RunEvent, type TraceEntry } from "@a2g/sdk";

async function main(): Promise<void> {
  const a2g = new Client({ apiKey: process.env.A2G_API_KEY, platformUrl: process.env.A2G_PLATFORM_URL });
  const me = await a2g.me();
  const page = await a2g.listAgents({ limit: 5 });
  const first: TraceEntry[] = [];
  const kinds: RunEvent["type"][] = ["chunk"];
  try {
    await new Client({ apiKey: "a2g_sk_wrong_wrong_wrong_wrong" }).me();
  } catch (error) {
    if (error instanceof AuthenticationFailed) kinds.push("error");
  }
  console.log(JSON.stringify({ user: me.user_id, agents: page.items.length, first: first.length, kinds }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
