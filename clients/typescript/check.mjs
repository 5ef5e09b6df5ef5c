// Drives a live evo with the official @servicestack/client, using DTOs evo generates itself
// (/types/typescript, transpiled here with the TypeScript compiler). Exits non-zero on any failure.
// Environment: EVO_URL, EVO_EMAIL, EVO_PASSWORD, EVO_ENDPOINT.
import { JsonServiceClient } from "@servicestack/client";
import ts from "typescript";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const { EVO_URL, EVO_EMAIL, EVO_PASSWORD, EVO_ENDPOINT } = process.env;
for (const [k, v] of Object.entries({ EVO_URL, EVO_EMAIL, EVO_PASSWORD, EVO_ENDPOINT })) {
  if (!v) throw new Error(`${k} is not set`);
}

const source = await (await fetch(`${EVO_URL}/types/typescript`)).text();
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "evo-dtos-")), "dtos.mjs");
writeFileSync(file, js);
const { Authenticate, SendMessage, ListMessages, ListConversations } = await import(pathToFileURL(file).href);

const client = new JsonServiceClient(EVO_URL);

const auth = await client.post(new Authenticate({ provider: "credentials", userName: EVO_EMAIL, password: EVO_PASSWORD }));
assert.equal(auth.userName, EVO_EMAIL);
assert.ok(auth.bearerToken, "login returns a bearer token");
client.bearerToken = auth.bearerToken;
console.log("ok - login with credentials");

const sent = await client.post(new SendMessage({ endpointId: EVO_ENDPOINT, toAddress: "+15556667777", body: "Hello from @servicestack/client" }));
assert.equal(sent.text, "Hello from @servicestack/client");
assert.equal(sent.direction, "Outgoing");
console.log("ok - send a message");

const list = await client.get(new ListMessages({ countPerPage: 10 }));
assert.ok(list.items.some((m) => m.id === sent.id), "the sent message is listed");
assert.equal(list.totalCount, list.items.length);
const conversations = await client.get(new ListConversations({}));
assert.equal(conversations.conversations[0].mostRecentMessage.id, sent.id);
console.log("ok - list messages and conversations");

try {
  await client.post(new SendMessage({ endpointId: EVO_ENDPOINT, toAddress: "+15556667777" }));
  assert.fail("a message without a body must be refused");
} catch (e) {
  const status = e.responseStatus;
  assert.ok(status, `a WebServiceException with a responseStatus, got ${JSON.stringify(e)}`);
  assert.equal(status.errorCode, "NotEmpty");
  assert.equal(status.errors[0].fieldName, "Body");
  console.log("ok - a validation error names its field");
}
console.log("4 passed, 0 failed");
