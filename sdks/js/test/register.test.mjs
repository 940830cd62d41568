// The JS SDK against a stand-in platform (node:http) and, when the e2e suite provides one, the real platform.
//   npm test                                          (builds with tsc, then node --test test/)
//   A2G_E2E_PLATFORM_URL=... A2G_E2E_API_KEY=... A2G_E2E_CARD_URL=... node --test test/   (real platform)
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  A2GError, AuthenticationFailed, CREDENTIAL_REFUSALS, InvalidRequest, register, registrationBody,
} from "../dist/esm/index.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "esm", "cli.js");

async function standIn(status, answer) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : null });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

test("registrationBody needs exactly one source and drops unset extras", () => {
  assert.deepEqual(registrationBody({ cardUrl: "http://a", color: "#112233" }), {
    card_url: "http://a",
    color: "#112233",
  });
  assert.deepEqual(registrationBody({ card: { name: "x" }, logoUrl: "https://l/x.png" }), {
    card: { name: "x" },
    logo_url: "https://l/x.png",
  });
  assert.throws(() => registrationBody({}), TypeError);
  assert.throws(() => registrationBody({ card: {}, cardUrl: "http://a" }), TypeError);
});

test("register posts the card with the API key and reports created", async () => {
  const platform = await standIn(201, { id: "agt_1", name: "Echo", status: "DEVELOPMENT", version: 1 });
  try {
    const agent = await register({ card: { name: "Echo" }, apiKey: "a2g_sk_js", platformUrl: platform.url + "/" });
    assert.equal(agent.id, "agt_1");
    assert.equal(agent.created, true);
    const [request] = platform.seen;
    assert.equal(request.method, "POST");
    assert.equal(request.url, "/api/a2a/register");
    assert.equal(request.headers.authorization, "Bearer a2g_sk_js");
    assert.deepEqual(request.body, { card: { name: "Echo" } });
  } finally {
    await platform.close();
  }
});

test("register turns platform errors into A2GError", async () => {
  const platform = await standIn(400, { error: { code: "invalid_agent_card", message: "missing: skills" } });
  try {
    await assert.rejects(register({ cardUrl: "http://x", apiKey: "k", platformUrl: platform.url }), (error) => {
      assert.ok(error instanceof A2GError && error instanceof InvalidRequest);
      assert.equal(error.status, 400);
      assert.equal(error.code, "invalid_agent_card");
      assert.match(error.message, /missing: skills/);
      return true;
    });
  } finally {
    await platform.close();
  }
  await assert.rejects(register({ cardUrl: "http://x", apiKey: "k", platformUrl: "http://127.0.0.1:1" }), A2GError);
  const saved = process.env.A2G_API_KEY;
  delete process.env.A2G_API_KEY;
  await assert.rejects(register({ cardUrl: "http://x", platformUrl: "http://p" }), /API key/);
  if (saved !== undefined) process.env.A2G_API_KEY = saved;
});

test("the CLI reads env, posts a card file and prints the agent; bad usage exits 2", async () => {
  const platform = await standIn(200, { id: "agt_9", name: "Echo", status: "DEVELOPMENT", version: 2 });
  try {
    const folder = mkdtempSync(join(tmpdir(), "a2g-js-"));
    const file = join(folder, "card.json");
    writeFileSync(file, JSON.stringify({ name: "From file" }));
    const child = spawn(process.execPath, [CLI, "register", "--card", file, "--color", "#ABCDEF"], {
      env: { ...process.env, A2G_API_KEY: "a2g_sk_cli", A2G_PLATFORM_URL: platform.url },
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).created, false);
    assert.deepEqual(platform.seen[0].body, { card: { name: "From file" }, color: "#ABCDEF" });
    assert.equal(platform.seen[0].headers.authorization, "Bearer a2g_sk_cli");
  } finally {
    await platform.close();
  }
  const usage = spawnSync(process.execPath, [CLI, "register"], { encoding: "utf8" });
  assert.equal(usage.status, 2);
});

const E2E = {
  platformUrl: process.env.A2G_E2E_PLATFORM_URL,
  apiKey: process.env.A2G_E2E_API_KEY,
  cardUrl: process.env.A2G_E2E_CARD_URL,
};

test("against the running platform: register by card URL twice, then a bad colour", {
  skip: !(E2E.platformUrl && E2E.apiKey && E2E.cardUrl) && "set A2G_E2E_PLATFORM_URL, A2G_E2E_API_KEY, A2G_E2E_CARD_URL",
}, async () => {
  const first = await register({ cardUrl: E2E.cardUrl, apiKey: E2E.apiKey, platformUrl: E2E.platformUrl,
                                 color: "#0EA5E9" });
  assert.equal(first.color, "#0EA5E9");
  const second = await register({ cardUrl: E2E.cardUrl, apiKey: E2E.apiKey, platformUrl: E2E.platformUrl });
  assert.equal(second.id, first.id);
  assert.equal(second.created, false);
  await assert.rejects(
    register({ cardUrl: E2E.cardUrl, apiKey: E2E.apiKey, platformUrl: E2E.platformUrl, color: "blue" }),
    (error) => error instanceof A2GError && error.status === 400,
  );
});

test("API Gateway's bare authorizer refusal becomes AuthenticationFailed with a sentence", async () => {
  const platform = await standIn(403, { message: "Forbidden" });
  try {
    await assert.rejects(register({ cardUrl: "http://x", apiKey: "a2g_sk_wrong", platformUrl: platform.url }), (error) => {
      assert.ok(error instanceof AuthenticationFailed);
      assert.equal(error.code, "credential_refused");
      assert.match(error.message, /wrong, expired or revoked/);
      return true;
    });
  } finally {
    await platform.close();
  }
});

test("each credential refusal the platform explains is an AuthenticationFailed with the SDK's sentence", async () => {
  for (const code of ["invalid_api_key", "revoked_api_key", "invalid_token", "token_expired", "credential_required"]) {
    const platform = await standIn(401, { error: { code, message: "the platform's words" } });
    try {
      await assert.rejects(register({ cardUrl: "http://x", apiKey: "a2g_sk_wrong", platformUrl: platform.url }), (error) => {
        assert.ok(error instanceof AuthenticationFailed);
        assert.equal(error.status, 401);
        assert.equal(error.code, code);
        assert.equal(error.reason, CREDENTIAL_REFUSALS[code]);
        return true;
      });
    } finally {
      await platform.close();
    }
  }
});

test("the CommonJS build is what require() gets, the ESM build what import gets, one version", async () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const { createRequire } = await import("node:module");
  const required = createRequire(join(root, "package.json"))(join(root, pkg.exports["."].require.default));
  const imported = await import(join(root, pkg.exports["."].import.default));
  assert.equal(typeof required.Client, "function");
  assert.equal(typeof imported.Client, "function");
  assert.equal(required.VERSION, pkg.version);
  assert.equal(imported.VERSION, pkg.version);
  const version = spawnSync(process.execPath, [CLI, "--version"], { encoding: "utf8" });
  assert.equal(version.stdout.trim(), `@a2g/sdk ${pkg.version}`);
});
