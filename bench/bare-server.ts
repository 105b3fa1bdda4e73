// The floor for the API benchmark: node:http, the same token verifier, the same SQL,
// JSON.stringify; no validation, logging, hooks or routing library. Run as its own process.
import http from "node:http";
import { createPool } from "@taskbridge/db/client";
import { TokenVerifier } from "../apps/api/src/auth/verifier.ts";
import { testConfig } from "../apps/api/test/support/config.ts";

const { DATABASE_URL = "", ISSUER = "", AUDIENCE = "", PORT = "0" } = process.env;
const pool = createPool(DATABASE_URL, { max: 20 });
const verifier = new TokenVerifier({
  config: testConfig({ BETTER_AUTH_URL: ISSUER, JWT_AUDIENCE: AUDIENCE }),
});
await verifier.loadKeys();

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  userId: string,
) {
  const url = request.url ?? "";
  const id = /^\/api\/tasks\/([0-9a-f-]{36})/.exec(url)?.[1];
  let body: unknown;
  let status = 200;
  if (request.method === "GET" && !id) {
    const { rows } = await pool.query(
      "select * from task where user_id = $1 order by created_at desc, id desc limit 21",
      [userId],
    );
    body = rows.slice(0, 20);
  } else if (request.method === "GET") {
    body = (await pool.query("select * from task where id = $1 and user_id = $2", [id, userId]))
      .rows[0];
  } else if (request.method === "POST" && id) {
    body = (
      await pool.query(
        "update task set completed = not completed, updated_at = clock_timestamp() where id = $1 and user_id = $2 returning *",
        [id, userId],
      )
    ).rows[0];
  } else {
    let text = "";
    for await (const chunk of request) text += String(chunk);
    const input: unknown = JSON.parse(text);
    const title =
      typeof input === "object" && input !== null && "title" in input ? String(input.title) : "";
    body = (
      await pool.query("insert into task (user_id, title) values ($1, $2) returning *", [
        userId,
        title,
      ])
    ).rows[0];
    status = 201;
  }
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const server = http.createServer((request, response) => {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (!token) return void response.writeHead(401).end();
  verifier
    .verify(token)
    .then(
      (caller) => handle(request, response, caller.id),
      () => void response.writeHead(401).end(),
    )
    .catch(() => void response.writeHead(500).end());
});
server.listen(Number(PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
