// Chat runs over a stand-in WebSocket (the `ws` package's server) speaking as the platform and API Gateway do.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";

import { WebSocketServer } from "ws";

import { AuthenticationFailed, Client, NotFound, RunFailed, ServerError } from "../dist/esm/index.js";

async function standIn(onInvoke, { refuse } = {}) {
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const seen = [];
  http.on("upgrade", (req, socket, head) => {
    seen.push(req.url);
    if (refuse) {
      socket.end(`HTTP/1.1 ${refuse} Forbidden\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (raw) => {
        const frame = JSON.parse(String(raw));
        for (const push of onInvoke(frame)) ws.send(JSON.stringify(push));
      });
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${http.address().port}`;
  const close = () => new Promise((resolve) => { wss.close(); http.close(resolve); });
  return { client: new Client({ platformUrl: url, apiKey: "a2g_sk_test", timeoutMs: 5000 }), seen, close };
}

const saved = (content, status = "complete") => ({ message_id: "m", session_id: "s", role: "assistant", content, status });

test("invoke yields this run's pushes in order, skipping other runs and API Gateway's timeout notice", async () => {
  const platform = await standIn((f) => [
    { type: "run_started", session_id: "s", request_id: f.request_id, message: saved(f.message) },
    { type: "chunk", session_id: "s", request_id: "another-run", delta: "not ours" },
    { message: "Endpoint request timed out", connectionId: "c", requestId: "r" },
    { type: "chunk", session_id: "s", request_id: f.request_id, delta: "echo: " },
    { type: "chunk", session_id: "s", request_id: f.request_id, delta: f.message },
    { type: "message", session_id: "s", request_id: f.request_id, message: saved(`echo: ${f.message}`) },
  ]);
  try {
    const events = [];
    for await (const event of platform.client.invoke("s", "hi")) events.push(event);
    assert.deepEqual(events.map((e) => e.type), ["run_started", "chunk", "chunk", "message"]);
    assert.equal((await platform.client.chat("s", "again")).content, "echo: again");
    assert.match(platform.seen[0], /^\/ws\?token=a2g_sk_test$/);
  } finally {
    await platform.close();
  }
});

test("a refused run, a failed run and a crashed integration are typed errors", async () => {
  const platform = await standIn((f) => {
    if (f.message === "refused") {
      return [{ type: "error", session_id: "s", request_id: f.request_id, message: null,
        error: { code: "not_found", message: "chat session not found" } }];
    }
    if (f.message === "crash") return [{ message: "Internal server error", connectionId: "c", requestId: "r" }];
    return [{ type: "error", session_id: "s", request_id: f.request_id, message: saved("**failed**", "error"),
      error: { code: "agent_unavailable", message: "the agent could not be reached" } }];
  });
  try {
    await assert.rejects(platform.client.chat("s", "refused"), (e) => e instanceof NotFound && e.code === "not_found");
    await assert.rejects(platform.client.chat("s", "crash"), ServerError);
    await assert.rejects(platform.client.chat("s", "fails"), (e) => e instanceof RunFailed &&
      e.code === "agent_unavailable" && e.runMessage.content === "**failed**");
  } finally {
    await platform.close();
  }
});

test("a refused handshake is AuthenticationFailed with its status", async () => {
  const platform = await standIn(() => [], { refuse: 403 });
  try {
    await assert.rejects(platform.client.chat("s", "hi"), (e) => e instanceof AuthenticationFailed && e.status === 403);
  } finally {
    await platform.close();
  }
});
