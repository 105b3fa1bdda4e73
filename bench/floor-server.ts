// The hand-written floor the API is measured against, in the shape of the floor (node:http,
// one named prepared statement a request, PostgreSQL's timestamps left as its text, HS256 checked
// with node:crypto behind a verified-token cache, JSON.stringify), for the three requests the
// bench compares: the list, create and complete. No validation, logging, metrics, rate limit or
// membership rule: the least a careful engineer could do. Run as its own process:
//   DATABASE_URL=... SECRET=... PORT=... node --import tsx bench/floor-server.ts
// Two settings take it a step at a time towards the API, so that the bench can tell what of the
// gap is the contract and what is the API's own work: FLOOR_FIELDS=contract reads and writes the
// contract's 21 fields of a task (the floor reads 10, and writes half the bytes), and
// FLOOR_FRAMEWORK=fastify answers the same through a bare Fastify app (routing, the request and
// reply objects; no hooks, logger or schemas).
import crypto from "node:crypto";
import http from "node:http";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import pg from "pg";
import { taskTextColumns } from "../apps/api/src/repositories/task-statements.ts";

const asText = (value: string): unknown => value;
const TEXT_TIMES = new Set([1184, 1114, 1082]);
const types = {
  getTypeParser: (oid: number) =>
    TEXT_TIMES.has(oid)
      ? asText
      : (pg.types.getTypeParser(oid, "text") as (value: string) => unknown),
};
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, types });
const key = Buffer.from(process.env.SECRET ?? "");
const cache = new Map<string, { sub: string; exp: number }>();

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

function userOf(token: string): string {
  const hit = cache.get(token);
  if (hit && hit.exp > Date.now() / 1000) return hit.sub;
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) throw new Error("malformed");
  const want = crypto.createHmac("sha256", key).update(`${h}.${p}`).digest();
  const got = Buffer.from(s, "base64url");
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want))
    throw new Error("signature");
  const header = decodeJson(h);
  if (typeof header !== "object" || header === null || !("alg" in header))
    throw new Error("header");
  if (header.alg !== "HS256") throw new Error("alg");
  const payload = decodeJson(p);
  if (
    typeof payload !== "object" ||
    payload === null ||
    !("exp" in payload) ||
    !("sub" in payload) ||
    typeof payload.exp !== "number" ||
    typeof payload.sub !== "string" ||
    !(payload.exp > Date.now() / 1000)
  )
    throw new Error("claims");
  cache.set(token, { sub: payload.sub, exp: payload.exp });
  return payload.sub;
}

const COLUMNS =
  process.env.FLOOR_FIELDS === "contract"
    ? taskTextColumns("task")
    : "id, user_id, title, description, completed, priority, due_date, tags, created_at, updated_at";
const LIST = {
  name: "floor-list",
  text: `select ${COLUMNS} from task where user_id = $1 order by created_at desc, id desc limit 21`,
};
const CREATE = {
  name: "floor-create",
  text: `insert into task (user_id, title) values ($1, $2) returning ${COLUMNS}`,
};
const COMPLETE = {
  name: "floor-complete",
  text: `update task set completed = not completed, updated_at = clock_timestamp()
    where id = $1 and user_id = $2 returning ${COLUMNS}`,
};
const COMPLETE_PATH = /^\/api\/tasks\/([0-9a-f-]{36})\/complete$/;

interface Answer {
  status: number;
  body?: string;
}

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

async function answer(method: string, url: string, sub: string, input: unknown): Promise<Answer> {
  if (method === "GET" && url === "/api/tasks") {
    const { rows } = await pool.query({ ...LIST, values: [sub] });
    return json(200, rows.slice(0, 20));
  }
  if (method === "POST" && url === "/api/tasks") {
    const title =
      typeof input === "object" &&
      input !== null &&
      "title" in input &&
      typeof input.title === "string"
        ? input.title
        : "";
    const { rows } = await pool.query({ ...CREATE, values: [sub, title] });
    return json(201, rows[0]);
  }
  const id = method === "PATCH" ? COMPLETE_PATH.exec(url)?.[1] : undefined;
  if (id) {
    const { rows } = await pool.query({ ...COMPLETE, values: [id, sub] });
    return rows.length === 0 ? { status: 404 } : json(200, rows[0]);
  }
  return { status: 404 };
}

const bearer = (authorization: string | undefined) =>
  /^Bearer (.+)$/.exec(authorization ?? "")?.[1] ?? "";

async function bodyOf(request: http.IncomingMessage): Promise<unknown> {
  if (request.method !== "POST") return undefined;
  let text = "";
  for await (const chunk of request) text += String(chunk);
  return JSON.parse(text);
}

function nodeServer(): http.Server {
  return http.createServer((request, response) => {
    let sub: string;
    try {
      sub = userOf(bearer(request.headers.authorization));
    } catch {
      response.writeHead(401).end();
      return;
    }
    bodyOf(request)
      .then((input) => answer(request.method ?? "", request.url ?? "", sub, input))
      .then(
        ({ status, body }) => {
          if (body === undefined) response.writeHead(status).end();
          else response.writeHead(status, { "content-type": "application/json" }).end(body);
        },
        () => {
          if (!response.headersSent) response.writeHead(503);
          response.end();
        },
      );
  });
}

async function fastifyServer(): Promise<http.Server> {
  const app = Fastify({ logger: false });
  const route = async (request: FastifyRequest, reply: FastifyReply) => {
    let sub: string;
    try {
      sub = userOf(bearer(request.headers.authorization));
    } catch {
      return reply.code(401).send();
    }
    const { status, body } = await answer(request.method, request.url, sub, request.body);
    reply.code(status);
    return body === undefined ? reply.send() : reply.type("application/json").send(body);
  };
  app.get("/api/tasks", route);
  app.post("/api/tasks", route);
  app.patch("/api/tasks/:id/complete", route);
  await app.ready();
  return app.server;
}

const server = process.env.FLOOR_FRAMEWORK === "fastify" ? await fastifyServer() : nodeServer();
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
// A profile (node --cpu-prof) is written when the process exits: SIGTERM ends it normally.
process.on("SIGTERM", () => {
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
});
