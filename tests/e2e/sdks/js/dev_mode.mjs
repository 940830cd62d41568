// What the web app's development mode does, with the JS SDK (ESM): Stop a slow run, Edit and resend with a
// stale `replaces` refused, files, the live trace, API keys with a signed-in token.
// Env: A2G_PLATFORM_URL, A2G_API_KEY, A2G_E2E_TOKEN (the same person's access token), AGENT_URL (an echoing A2A
// agent whose model goes through its log-proxy), SLOW_AGENT_URL (one that streams a long answer slowly).
// Prints one JSON object with what happened, for the Python test to check.
import { Client } from "@a2g/sdk";

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { name: error.constructor.name, status: error.status ?? null, code: error.code, message: error.reason ?? error.message };
  }
}

const a2g = new Client();
const out = {};

// Stop: two pieces stream, then the Stop; the run ends with what streamed, saved as `stopped`.
const slow = await a2g.register({ cardUrl: process.env.SLOW_AGENT_URL });
const slowSession = await a2g.startSession(slow.id);
const events = [];
for await (const event of a2g.invoke(slowSession.session_id, "tell me a long story", { requestId: "story-js" })) {
  events.push(event);
  if (event.type === "chunk" && events.filter((e) => e.type === "chunk").length === 2) {
    out.ack = await a2g.cancel(slowSession.session_id, { requestId: "story-js" });
  }
}
out.stopped = {
  streamed: events.filter((e) => e.type === "chunk").map((e) => e.delta).join(""),
  last: events.at(-1).type,
  final: events.at(-1).message,
  history: (await a2g.listMessages(slowSession.session_id)).items.map((m) => [m.status, m.content]),
};
out.cancelNotMine = await failure(a2g.cancel("ses_not_there"));

// Edit and resend, then a stale replace.
const agent = await a2g.register({ cardUrl: process.env.AGENT_URL });
const session = await a2g.startSession(agent.id);
await a2g.chat(session.session_id, "first");
await a2g.chat(session.session_id, "secnod");
const typo = (await a2g.listMessages(session.session_id)).items[2];
const redo = [];
for await (const event of a2g.invoke(session.session_id, "second", { replaces: typo.message_id })) redo.push(event);
out.replaced = { ids: redo[0].replaced, typo: typo.message_id, answer: redo.at(-1).message.content };
out.stale = await failure(a2g.chat(session.session_id, "again", { replaces: typo.message_id }));
out.history = (await a2g.listMessages(session.session_id)).items.map((m) => m.content);

// Files: bytes with a name, the agent gets them, download them back.
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const image = await a2g.uploadFile(session.session_id, png, { fileName: "dot.png" });
const notes = await a2g.uploadFile(session.session_id, new Blob(["some notes"], { type: "text/plain" }), { fileName: "notes.txt" });
out.files = { image, notes };
out.withFiles = (await a2g.chat(session.session_id, "look", { attachments: [image.file_id, notes.file_id] })).content;
out.downloaded = Array.from(await a2g.downloadFile(image.file_id));
out.uploadNotMine = await failure(a2g.uploadFile("ses_not_mine", png, { fileName: "x.png" }));

// The live trace: watch the agent's trace while calling its model through the log-proxy, until a call lands.
const watched = [];
const watching = (async () => {
  for await (const push of a2g.watchTrace(agent.trace_id, { timeoutMs: 60_000 })) {
    watched.push(push);
    if (push.type === "trace.entry") return;
  }
})();
let done = false;
watching.finally(() => { done = true; });
for (let i = 0; i < 60 && !done; i++) {
  await fetch(`${agent.log_proxy_base_url}/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${process.env.A2G_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: process.env.MODEL, messages: [{ role: "user", content: "live from js" }] }),
  });
  await Promise.race([watching, new Promise((resolve) => setTimeout(resolve, 500))]);
}
await watching;
out.watched = watched.map((p) => ({ type: p.type, trace_id: p.trace_id, model: p.entry?.model, status: p.entry?.status }));
out.watchNotMine = await failure((async () => { for await (const _ of a2g.watchTrace("trc_not_mine")) break; })());
out.clearedNothing = await a2g.clearTrace(agent.trace_id, { upTo: "2000-01-01T00:00:00Z" });
out.cleared = await a2g.clearTrace(agent.trace_id);
out.traceAfter = (await a2g.trace(agent.trace_id)).items.length;

// API keys: a signed-in person's token manages them; a key cannot mint keys.
const person = new Client({ token: process.env.A2G_E2E_TOKEN });
const made = await person.createApiKey("from js");
out.made = { prefix: made.key.slice(0, 7), name: made.name };
out.listed = (await person.listApiKeys()).some((k) => k.id === made.id && k.status === "active" && !("key" in k));
out.keyMintsKey = await failure(new Client({ apiKey: made.key }).createApiKey("no"));
await person.revokeApiKey(made.id);
out.activeAfterRevoke = (await person.listApiKeys()).some((k) => k.id === made.id);
out.revokedListed = (await person.listApiKeys({ includeRevoked: true })).find((k) => k.id === made.id)?.status;
out.revokedKey = await failure(new Client({ apiKey: made.key }).me());

console.log(JSON.stringify(out));
