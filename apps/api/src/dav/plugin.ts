import { createHash } from "node:crypto";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { List } from "@taskbridge/shared/list";
import type { Task } from "@taskbridge/shared/task";
import { sql } from "drizzle-orm";
import { appPasswordUser } from "../app-passwords/requests.ts";
import { setVerifiedUser } from "../plugins/auth.ts";
import { refusedTooOften } from "../plugins/rate-limit.ts";
import { ListRepository } from "../repositories/lists.ts";
import { taskColumns, taskFromRow } from "../repositories/task-statements.ts";
import { etagOf, vtodoOf } from "./vtodo.ts";
import {
  APPLE,
  CALDAV,
  CALSERVER,
  DAV,
  davError,
  multistatus,
  propMap,
  readPropfind,
  readReport,
  select,
  XmlRefused,
  type DavResponse,
  type PropValue,
  type QName,
} from "./xml.ts";

// CalDAV (RFC 4791) for tasks, read side: discovery (`/.well-known/caldav`, the principal, the
// calendar home), one calendar collection per list the person is in, each task as a VTODO
// resource, PROPFIND, and the calendar-query and calendar-multiget reports. Clients sign in with
// HTTP Basic: the account's email and an app password. Collections are offered read-only until
// writes are served.

const DAV_METHODS = ["OPTIONS", "PROPFIND", "REPORT", "GET", "HEAD"] as const;
const REALM = 'Basic realm="Taskbridge"';
const XML = "application/xml; charset=utf-8";
const ICS = "text/calendar; charset=utf-8";
const COLORS: Record<List["color"], string> = {
  gray: "#6B7280FF",
  red: "#EF4444FF",
  orange: "#F97316FF",
  yellow: "#EAB308FF",
  green: "#22C55EFF",
  teal: "#14B8A6FF",
  blue: "#3B82F6FF",
  purple: "#A855F7FF",
  pink: "#EC4899FF",
};

const q = (ns: string, name: string): QName => ({ ns, name });
const href =
  (path: string): PropValue =>
  (parent) =>
    void parent.ele(DAV, "d:href").txt(path);

/** The user name and password of `Authorization: Basic …`, or null. */
function basicCredentials(request: FastifyRequest): { email: string; password: string } | null {
  const header = request.headers.authorization;
  const match = header ? /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * `OPTIONS` on CalDAV's paths, answered before the CORS plugin (which answers every OPTIONS as a
 * browser's preflight): DAVx⁵ and Evolution accept a server only if it says `calendar-access`.
 * Registered on the root, ahead of CORS; any other request passes by a string comparison.
 */
export async function answerDavOptions(request: FastifyRequest, reply: FastifyReply) {
  if (request.method !== "OPTIONS") return;
  const path = request.url;
  if (path !== "/dav" && !path.startsWith("/dav/") && !path.startsWith("/dav?")) return;
  return reply
    .code(200)
    .header("dav", "1, 3, calendar-access")
    .header("allow", DAV_METHODS.join(", "))
    .header("content-length", "0")
    .send();
}

export const davPlugin: FastifyPluginAsync = async (app) => {
  for (const method of ["PROPFIND", "REPORT"])
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  const lists = new ListRepository(app.db, app.listIds);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ["application/xml", "text/xml"],
    { parseAs: "string", bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, typeof body === "string" ? body : body.toString("utf8")),
  );

  // RFC 6764: the well-known address redirects, and serves nothing itself.
  app.route({
    method: ["GET", "HEAD", "PROPFIND", "OPTIONS"],
    url: "/.well-known/caldav",
    schema: { hide: true },
    handler: (_request, reply) => reply.code(301).header("location", "/dav/").send(),
  });

  const unauthorized = async (request: FastifyRequest, reply: FastifyReply, reason: string) => {
    if (await refusedTooOften(request, reply)) return reply;
    request.log.info({ reason }, "request refused: 401");
    return reply
      .code(401)
      .header("www-authenticate", REALM)
      .type("text/plain; charset=utf-8")
      .send("Sign in with your email and an app password");
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const credentials = basicCredentials(request);
    if (!credentials) return unauthorized(request, reply, "no Basic credentials");
    const user = await appPasswordUser(request, credentials.password, credentials.email);
    if (!user) return unauthorized(request, reply, "app password refused");
    setVerifiedUser(request, user);
  };

  const principal = (userId: string) => `/dav/principals/${userId}/`;
  const home = (userId: string) => `/dav/calendars/${userId}/`;
  const collection = (userId: string, listId: string) => `${home(userId)}${listId}/`;
  const resource = (userId: string, listId: string, taskId: string) =>
    `${collection(userId, listId)}${taskId}.ics`;

  async function tasksOf(listId: string, taskId?: string): Promise<Task[]> {
    const { rows } = await app.db.execute(
      sql`select ${sql.raw(taskColumns("t"))} from task t where t.list_id = ${listId}
        ${taskId === undefined ? sql`` : sql`and t.id = ${taskId}`}
        order by t.created_at, t.id`,
    );
    return rows.map(taskFromRow);
  }

  /** A list's ctag: changes with any change of the list or of any of its tasks. */
  async function ctagOf(list: List): Promise<string> {
    const { rows } = await app.db.execute(
      sql`select count(*)::int as n, coalesce(max(updated_at), 'epoch')::text as latest
        from task where list_id = ${list.id}`,
    );
    const row = rows[0] as { n: number; latest: string } | undefined;
    const text = `${list.updated_at}|${list.name}|${list.color}|${row?.n ?? 0}|${row?.latest ?? ""}`;
    return createHash("sha256").update(text).digest("base64url").slice(0, 22);
  }

  function commonProps(userId: string): Array<[QName, PropValue]> {
    return [[q(DAV, "current-user-principal"), href(principal(userId))]];
  }

  async function collectionProps(userId: string, list: List): Promise<Array<[QName, PropValue]>> {
    const ctag = await ctagOf(list);
    return [
      ...commonProps(userId),
      [
        q(DAV, "resourcetype"),
        (parent) => {
          parent.ele(DAV, "d:collection");
          parent.ele(CALDAV, "cal:calendar");
        },
      ],
      [q(DAV, "displayname"), list.name],
      [
        q(CALDAV, "supported-calendar-component-set"),
        (parent) => void parent.ele(CALDAV, "cal:comp").att("name", "VTODO"),
      ],
      [q(CALSERVER, "getctag"), ctag],
      [
        q(DAV, "supported-report-set"),
        (parent) => {
          for (const name of ["calendar-query", "calendar-multiget"])
            parent.ele(DAV, "d:supported-report").ele(DAV, "d:report").ele(CALDAV, `cal:${name}`);
        },
      ],
      [
        q(DAV, "current-user-privilege-set"),
        (parent) => {
          for (const name of ["read", "read-current-user-privilege-set"])
            parent.ele(DAV, "d:privilege").ele(DAV, `d:${name}`);
        },
      ],
      [q(DAV, "owner"), href(principal(list.owner_id))],
      [q(APPLE, "calendar-color"), COLORS[list.color]],
      [q(DAV, "getcontenttype"), "text/calendar; component=vtodo"],
    ];
  }

  function resourceProps(task: Task, text: string): Array<[QName, PropValue]> {
    return [
      [q(DAV, "resourcetype"), ""],
      [q(DAV, "getetag"), etagOf(text)],
      [q(DAV, "getcontenttype"), `${ICS}; component=vtodo`.replace("; charset=utf-8", "")],
      [q(DAV, "getlastmodified"), new Date(task.updated_at).toUTCString()],
    ];
  }

  const sendMultistatus = (reply: FastifyReply, responses: DavResponse[]) =>
    reply.code(207).type(XML).send(multistatus(responses));

  const notFound = (reply: FastifyReply) =>
    reply.code(404).type("text/plain; charset=utf-8").send("Not found");

  /** The caller's lists, as collections. */
  const listsOf = (userId: string) => lists.listsOf(userId, { archived: false });

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split("?")[0] ?? "";
    const parts = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
    const userId = request.user.id;
    const depth = request.headers.depth === "0" ? 0 : 1;
    const [kind, owner, listId, file] = parts;
    if (owner !== undefined && owner !== userId) return notFound(reply);

    if (request.method === "PROPFIND") {
      const wanted = readPropfind(request.body as string | undefined);
      const names = wanted.kind === "names";
      const answer = (target: string, props: Array<[QName, PropValue]>): DavResponse => ({
        href: target,
        ...select(wanted, propMap(props), names),
      });
      if (kind === undefined)
        return sendMultistatus(reply, [
          answer("/dav/", [
            ...commonProps(userId),
            [q(DAV, "resourcetype"), (parent) => void parent.ele(DAV, "d:collection")],
          ]),
        ]);
      if (kind === "principals" && owner !== undefined && listId === undefined)
        return sendMultistatus(reply, [
          answer(principal(userId), [
            ...commonProps(userId),
            [
              q(DAV, "resourcetype"),
              (parent) => {
                parent.ele(DAV, "d:collection");
                parent.ele(DAV, "d:principal");
              },
            ],
            [q(DAV, "principal-URL"), href(principal(userId))],
            [q(DAV, "displayname"), request.user.name ?? request.user.email ?? "Taskbridge"],
            [q(CALDAV, "calendar-home-set"), href(home(userId))],
            [q(CALDAV, "calendar-user-address-set"), href(`mailto:${request.user.email ?? ""}`)],
          ]),
        ]);
      if (kind === "calendars" && owner !== undefined && listId === undefined) {
        const responses = [
          answer(home(userId), [
            ...commonProps(userId),
            [q(DAV, "resourcetype"), (parent) => void parent.ele(DAV, "d:collection")],
            [q(DAV, "displayname"), "Taskbridge"],
          ]),
        ];
        if (depth > 0)
          for (const list of await listsOf(userId))
            responses.push(
              answer(collection(userId, list.id), await collectionProps(userId, list)),
            );
        return sendMultistatus(reply, responses);
      }
      if (kind === "calendars" && owner !== undefined && listId !== undefined) {
        const list = (await listsOf(userId)).find((one) => one.id === listId);
        if (!list) return notFound(reply);
        if (file === undefined) {
          const responses = [
            answer(collection(userId, list.id), await collectionProps(userId, list)),
          ];
          if (depth > 0)
            for (const task of await tasksOf(list.id))
              responses.push(
                answer(resource(userId, list.id, task.id), resourceProps(task, vtodoOf(task))),
              );
          return sendMultistatus(reply, responses);
        }
        const task = (await tasksOf(list.id, taskIdOf(file)))[0];
        if (!task) return notFound(reply);
        return sendMultistatus(reply, [
          answer(resource(userId, list.id, task.id), resourceProps(task, vtodoOf(task))),
        ]);
      }
      return notFound(reply);
    }

    if (kind !== "calendars" || listId === undefined) return notFound(reply);
    const list = (await listsOf(userId)).find((one) => one.id === listId);
    if (!list) return notFound(reply);

    if (request.method === "REPORT") {
      const report = readReport(request.body as string | undefined);
      if (report.kind === "other")
        return reply.code(403).type(XML).send(davError(DAV, "supported-report"));
      const wanted = { kind: "props" as const, props: report.props };
      const entry = (task: Task): DavResponse => {
        const text = vtodoOf(task);
        return {
          href: resource(userId, list.id, task.id),
          ...select(
            wanted,
            propMap([...resourceProps(task, text), [q(CALDAV, "calendar-data"), text]]),
          ),
        };
      };
      if (report.kind === "calendar-query")
        return sendMultistatus(reply, (await tasksOf(list.id)).map(entry));
      const byId = new Map((await tasksOf(list.id)).map((task) => [task.id, task]));
      return sendMultistatus(
        reply,
        report.hrefs.map((asked) => {
          const task = byId.get(taskIdOf(decodeURIComponent(asked.split("/").pop() ?? "")));
          // Each href is echoed exactly as it was asked for.
          return task ? { ...entry(task), href: asked } : { href: asked, status: 404 };
        }),
      );
    }

    if ((request.method === "GET" || request.method === "HEAD") && file !== undefined) {
      const task = (await tasksOf(list.id, taskIdOf(file)))[0];
      if (!task) return notFound(reply);
      const text = vtodoOf(task);
      return reply.code(200).type(ICS).header("etag", etagOf(text)).send(text);
    }
    return reply.code(405).header("allow", DAV_METHODS.join(", ")).send();
  }

  // CalDAV is not part of the REST reference: its own RFCs document it.
  const routeOptions = { onRequest: authenticate, handler: handle, schema: { hide: true } };
  app.route({ method: [...DAV_METHODS], url: "/dav", ...routeOptions });
  app.route({ method: [...DAV_METHODS], url: "/dav/*", ...routeOptions });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof XmlRefused)
      return reply.code(400).type("text/plain; charset=utf-8").send(error.detail);
    throw error;
  });
};

const UUID_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.ics$/i;

/** The task a resource name names (`<task id>.ics`), or an id that names none. */
function taskIdOf(file: string): string {
  return UUID_FILE.exec(file)?.[1]?.toLowerCase() ?? "00000000-0000-0000-0000-000000000000";
}
