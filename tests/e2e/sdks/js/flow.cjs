// The developer flow with the JS SDK, given the SDK module (required from CommonJS or imported from ESM).
// Env: A2G_PLATFORM_URL, A2G_API_KEY, EXPIRED_TOKEN (a platform token past its expiry), AGENT_URL (a running A2A agent whose model goes through its log-proxy
// URL). Prints one JSON object with what happened, for the Python test to check.
"use strict";

async function entriesOf(a2g, traceId) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const page = await a2g.trace(traceId);
    if (page.items.length || Date.now() > deadline) return page.items;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { name: error.constructor.name, status: error.status ?? null, code: error.code, message: error.message };
  }
}

module.exports = async function flow(sdk) {
  const { Client, A2GError } = sdk;
  const a2g = new Client();
  const out = { sdkVersion: sdk.VERSION };
  out.me = await a2g.me();
  const agent = await a2g.register({ cardUrl: process.env.AGENT_URL, color: "#0ea5e9" });
  out.registered = { id: agent.id, created: agent.created, color: agent.color, trace_id: agent.trace_id };
  const updated = await a2g.updateAgent(agent.id, { description: "from JavaScript" });
  out.updated = { version: updated.version, description: updated.description };
  out.stale = await failure(a2g.updateAgent(agent.id, { version: agent.version, name: "stale" }));
  const session = await a2g.startSession(agent.id, { title: "js" });
  out.session = { session_id: session.session_id, trace_id: session.trace_id };
  const events = [];
  for await (const event of a2g.invoke(session.session_id, "hello js")) events.push(event);
  out.kinds = events.map((e) => e.type);
  out.streamed = events.filter((e) => e.type === "chunk").map((e) => e.delta).join("");
  out.final = events[events.length - 1].message.content;
  out.chat = (await a2g.chat(session.session_id, "again")).content;
  out.entries = (await entriesOf(a2g, session.trace_id)).map((e) => ({ model: e.model, status: e.status,
    session_id: e.session_id }));
  out.published = (await a2g.publish(agent.id)).status;
  const mine = [];
  for await (const a of a2g.iterAgents()) mine.push(a.id);
  out.mine = mine;
  out.notFound = await failure(a2g.getAgent("agt_nobody"));
  out.runRefused = await failure(a2g.chat("ses_nobody", "anyone?"));
  out.wrongKey = await failure(new Client({ apiKey: "a2g_sk_" + "z".repeat(40) }).me());
  out.expiredToken = await failure(new Client({ token: process.env.EXPIRED_TOKEN }).me());
  out.malformedToken = await failure(new Client({ token: "not.a.token" }).me());
  out.wrongKeyWs = await failure(new Client({ apiKey: "a2g_sk_" + "z".repeat(40) }).chat(session.session_id, "x"));
  out.down = await failure(new Client({ platformUrl: process.env.DOWN_URL }).me());
  out.badUrl = await failure(Promise.resolve().then(() => new Client({ platformUrl: "localhost:3000" })));
  out.instanceOfBase = (await a2g.getAgent("agt_nobody").catch((e) => e)) instanceof A2GError;
  console.log(JSON.stringify(out));
};
