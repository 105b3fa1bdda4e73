import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { LIST_NAME_MAX, type List } from "@taskbridge/shared/list";
import {
  appPasswordUser,
  refuseReadOnlyWrite,
  sendTooManyFailures,
} from "../app-passwords/requests.ts";
import { setVerifiedUser } from "../plugins/auth.ts";
import { refusedTooOften } from "../plugins/rate-limit.ts";
import { ListRepository } from "../repositories/lists.ts";
import { timeZoneOf } from "../repositories/settings.ts";
import { refuseWrite, TaskRepository } from "../repositories/tasks.ts";
import { vtimezoneOf } from "../lib/zones.ts";
import { DavStore, positionOfToken, UUID, type DavResource } from "./store.ts";
import {
  etagOf,
  fieldsOf,
  fitted,
  overlaps,
  readVtodo,
  taskInput,
  textOf,
  VtodoRefused,
  type Vtodo,
} from "./vtodo.ts";
import {
  APPLE,
  CALDAV,
  CALSERVER,
  DAV,
  davError,
  multistatus,
  propMap,
  propstatMultistatus,
  readPropertyUpdate,
  readPropfind,
  readReport,
  select,
  XmlRefused,
  type DavResponse,
  type PropValue,
  type QName,
} from "./xml.ts";

// CalDAV (RFC 4791) for tasks: discovery (`/.well-known/caldav`, the principal, the calendar
// home), one calendar collection per list the person is in, each task a VTODO resource; PROPFIND,
// the calendar-query, calendar-multiget and sync-collection reports; PUT and DELETE of tasks with
// their preconditions; MKCALENDAR, extended MKCOL, PROPPATCH and DELETE of lists. Every write
// goes through the same repositories, and so the same access rule, as the REST routes. Clients
// sign in with HTTP Basic: the account's email and an app password.

const DAV_METHODS = [
  "OPTIONS",
  "PROPFIND",
  "PROPPATCH",
  "REPORT",
  "GET",
  "HEAD",
  "PUT",
  "DELETE",
  "MKCALENDAR",
  "MKCOL",
] as const;
const REALM = 'Basic realm="Taskbridge"';
const XML = "application/xml; charset=utf-8";
const ICS = "text/calendar; charset=utf-8";
const TEXT = "text/plain; charset=utf-8";
/** The largest body taken: a task with its alarms and overrides is a few kilobytes. */
const BODY_LIMIT = 1024 * 1024;
const REPORTS: Array<[string, string, string]> = [
  [CALDAV, "cal", "calendar-query"],
  [CALDAV, "cal", "calendar-multiget"],
  [DAV, "d", "sync-collection"],
];
const READ_PRIVILEGES = ["read", "read-current-user-privilege-set"];
const WRITE_PRIVILEGES = [
  ...READ_PRIVILEGES,
  "write",
  "write-content",
  "write-properties",
  "bind",
  "unbind",
];
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
    .header("dav", "1, 3, calendar-access, extended-mkcol")
    .header("allow", DAV_METHODS.join(", "))
    .header("content-length", "0")
    .send();
}

export const davPlugin: FastifyPluginAsync = async (app) => {
  for (const method of ["PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL"])
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  const lists = new ListRepository(app.db, app.listIds);
  const tasks = new TaskRepository(app.db, app.listIds);
  const store = new DavStore(app.db);

  // Bodies are XML (PROPFIND, REPORT, PROPPATCH, MKCALENDAR, MKCOL) or iCalendar (PUT), read as
  // text whatever type they declare: clients are not all careful with Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "string", bodyLimit: BODY_LIMIT },
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
      .type(TEXT)
      .send("Sign in with your email and an app password");
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const credentials = basicCredentials(request);
    if (!credentials) return unauthorized(request, reply, "no Basic credentials");
    const signIn = await appPasswordUser(request, credentials.password, credentials.email);
    if ("retryAfter" in signIn) return sendTooManyFailures(request, reply, signIn.retryAfter);
    if ("refused" in signIn) return unauthorized(request, reply, "app password refused");
    setVerifiedUser(request, signIn.user);
  };

  const principal = (userId: string) => `/dav/principals/${userId}/`;
  const home = (userId: string) => `/dav/calendars/${userId}/`;

  /** What one request sees: the caller, their time zone, and the paths they chose for lists. */
  interface Caller {
    userId: string;
    zone: string;
    segments: Map<string, string>;
  }
  const collectionHref = (caller: Caller, listId: string) =>
    `${home(caller.userId)}${pathSegment(caller.segments.get(listId) ?? listId)}/`;
  const resourceHref = (caller: Caller, listId: string, name: string) =>
    `${collectionHref(caller, listId)}${pathSegment(name)}`;

  /** The iCalendar text served for a resource to this caller. */
  const textFor = (caller: Caller, resource: DavResource) =>
    resource.ics !== null && resource.fresh
      ? resource.ics
      : textOf(resource.task, resource.ics, {
          zone: caller.zone,
          parentUid: resource.parentUid,
          vtimezone: vtimezoneOf,
        });

  /** Whether a resource, as served to this caller, overlaps a calendar-query's time-range. */
  function overlapsRange(
    caller: Caller,
    resource: DavResource,
    range: { start?: number; end?: number },
  ): boolean {
    try {
      return overlaps(readVtodo(textFor(caller, resource)), caller.zone, range);
    } catch {
      return true;
    }
  }

  function commonProps(userId: string): Array<[QName, PropValue]> {
    return [[q(DAV, "current-user-principal"), href(principal(userId))]];
  }

  /** Whether the caller may change the list's tasks: the task API's own rule, not a copy of it. */
  const writable = (list: List) => refuseWrite(list) === null;

  /** A list's properties; `order` is its place among the caller's lists (Apple's calendar-order). */
  async function collectionProps(
    caller: Caller,
    list: List,
    order: number,
  ): Promise<Array<[QName, PropValue]>> {
    const token = await store.tokenOf(caller.userId, list.id, caller.zone);
    return [
      ...commonProps(caller.userId),
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
      [q(CALSERVER, "getctag"), token],
      [q(DAV, "sync-token"), token],
      [
        q(DAV, "supported-report-set"),
        (parent) => {
          for (const [ns, prefix, name] of REPORTS)
            parent.ele(DAV, "d:supported-report").ele(DAV, "d:report").ele(ns, `${prefix}:${name}`);
        },
      ],
      [
        q(DAV, "current-user-privilege-set"),
        (parent) => {
          for (const name of writable(list) ? WRITE_PRIVILEGES : READ_PRIVILEGES)
            parent.ele(DAV, "d:privilege").ele(DAV, `d:${name}`);
        },
      ],
      [q(DAV, "owner"), href(principal(list.owner_id))],
      [q(APPLE, "calendar-color"), COLORS[list.color]],
      [q(APPLE, "calendar-order"), String(order)],
      [q(DAV, "getcontenttype"), "text/calendar; component=vtodo"],
    ];
  }

  function resourceProps(resource: DavResource, text: string): Array<[QName, PropValue]> {
    return [
      [q(DAV, "resourcetype"), ""],
      [q(DAV, "getetag"), etagOf(text)],
      [q(DAV, "getcontenttype"), "text/calendar; charset=utf-8; component=vtodo"],
      [q(DAV, "getcontentlength"), String(Buffer.byteLength(text))],
      [q(DAV, "getlastmodified"), new Date(resource.task.updated_at).toUTCString()],
    ];
  }

  const sendMultistatus = (reply: FastifyReply, responses: DavResponse[], syncToken?: string) =>
    reply.code(207).type(XML).send(multistatus(responses, syncToken));
  const plain = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).type(TEXT).send(message);
  const notFound = (reply: FastifyReply) => plain(reply, 404, "Not found");
  const precondition = (
    reply: FastifyReply,
    status: number,
    ns: string,
    name: string,
    at?: string,
  ) =>
    reply
      .code(status)
      .type(XML)
      .send(davError(ns, name, at));

  /** The caller's lists, as collections (archived ones are not offered). */
  const listsOf = (userId: string) => lists.listsOf(userId, { archived: false });

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const path = request.url.split("?")[0] ?? "";
    let parts: string[];
    try {
      parts = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
    } catch {
      return notFound(reply);
    }
    const userId = request.user.id;
    const depth = request.headers.depth === "0" ? 0 : 1;
    const [kind, owner, segment, file, ...rest] = parts;
    if (rest.length > 0) return notFound(reply);
    if (owner !== undefined && owner !== userId) return notFound(reply);
    const method = request.method;
    const body = typeof request.body === "string" ? request.body : undefined;

    const refused = refuseReadOnlyWrite(request, reply);
    if (refused) return refused;

    const [zone, segments] = await Promise.all([
      timeZoneOf(app.db, userId),
      store.segmentsOf(userId),
    ]);
    const caller: Caller = { userId, zone, segments };

    if (method === "PROPFIND") {
      const wanted = readPropfind(body);
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
      if (kind === "principals" && owner !== undefined && segment === undefined)
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
      if (kind === "calendars" && owner !== undefined && segment === undefined) {
        const responses = [
          answer(home(userId), [
            ...commonProps(userId),
            [q(DAV, "resourcetype"), (parent) => void parent.ele(DAV, "d:collection")],
            [q(DAV, "displayname"), "Taskbridge"],
          ]),
        ];
        if (depth > 0)
          for (const [order, list] of (await listsOf(userId)).entries())
            responses.push(
              answer(collectionHref(caller, list.id), await collectionProps(caller, list, order)),
            );
        return sendMultistatus(reply, responses);
      }
      if (kind === "calendars" && owner !== undefined && segment !== undefined) {
        const found = await listAt(caller, segment);
        if (!found) return notFound(reply);
        const { list, order } = found;
        if (file === undefined) {
          const responses = [
            answer(collectionHref(caller, list.id), await collectionProps(caller, list, order)),
          ];
          if (depth > 0)
            for (const resource of await store.resourcesOf(list.id))
              responses.push(
                answer(
                  resourceHref(caller, list.id, resource.name),
                  resourceProps(resource, textFor(caller, resource)),
                ),
              );
          return sendMultistatus(reply, responses);
        }
        const resource = await store.resourceNamed(list.id, file);
        if (!resource) return notFound(reply);
        return sendMultistatus(reply, [
          answer(
            resourceHref(caller, list.id, resource.name),
            resourceProps(resource, textFor(caller, resource)),
          ),
        ]);
      }
      return notFound(reply);
    }

    if (kind !== "calendars" || owner === undefined || segment === undefined)
      return method === "PROPPATCH" || method === "MKCALENDAR" || method === "MKCOL"
        ? plain(reply, 403, "Only calendars can be made or changed here")
        : notFound(reply);

    if ((method === "MKCALENDAR" || method === "MKCOL") && file === undefined)
      // Read again under the lock: a calendar made just before at this path is seen.
      return store.serialised(`dav-make:${userId}`, async () =>
        makeCollection(
          request,
          reply,
          { ...caller, segments: await store.segmentsOf(userId) },
          segment,
          body,
        ),
      );

    const found = await listAt(caller, segment);
    if (!found) return notFound(reply);
    const { list } = found;

    if (method === "REPORT") return report(reply, caller, list, body);
    if (method === "PROPPATCH")
      return file === undefined
        ? patchCollection(reply, caller, list, body)
        : plain(reply, 403, "A task's properties are changed by PUT");
    if (method === "DELETE" && file === undefined) {
      const outcome = await lists.remove(userId, list.id);
      if (outcome.kind === "ok") return reply.code(204).send();
      if (outcome.kind === "not-found") return notFound(reply);
      return plain(reply, 403, outcome.detail);
    }
    if (file === undefined) return plain(reply, 405, "Not allowed on a calendar");

    // Writes to one list run one at a time (on every copy): a client retrying an upload, or two
    // uploads of one UID, cannot both make a task.
    if (method === "PUT")
      return store.serialised(`dav-put:${list.id}`, async () =>
        put(request, reply, caller, list, file, await store.resourceNamed(list.id, file), body),
      );
    const resource = await store.resourceNamed(list.id, file);
    if (method === "GET" || method === "HEAD") {
      if (!resource) return notFound(reply);
      const text = textFor(caller, resource);
      return reply.code(200).type(ICS).header("etag", etagOf(text)).send(text);
    }
    if (method === "DELETE") {
      if (!resource) return notFound(reply);
      if (!matches(request, etagOf(textFor(caller, resource))))
        return plain(reply, 412, "The task has changed since it was read");
      const outcome = await tasks.remove(userId, resource.task.id);
      if (outcome.kind === "deleted") return reply.code(204).send();
      if (outcome.kind === "not-found") return notFound(reply);
      return plain(reply, 403, "detail" in outcome ? outcome.detail : "Not allowed");
    }
    return reply.code(405).header("allow", DAV_METHODS.join(", ")).send();
  }

  /**
   * The list a segment of the caller's home names (a path they chose, or the list's id), if
   * they are in it, with its place among their lists (Apple's calendar-order).
   */
  async function listAt(
    caller: Caller,
    segment: string,
  ): Promise<{ list: List; order: number } | null> {
    const chosen = [...caller.segments].find(([, name]) => name === segment)?.[0];
    const listId = chosen ?? (UUID.test(segment) ? segment.toLowerCase() : null);
    if (!listId) return null;
    const all = await listsOf(caller.userId);
    const order = all.findIndex((one) => one.id === listId);
    const list = all[order];
    return list ? { list, order } : null;
  }

  async function report(reply: FastifyReply, caller: Caller, list: List, body: string | undefined) {
    const asked = readReport(body);
    if (asked.kind === "other") return precondition(reply, 403, DAV, "supported-report");
    const wanted = { kind: "props" as const, props: asked.props };
    const entry = (resource: DavResource, at?: string): DavResponse => {
      const text = textFor(caller, resource);
      return {
        href: at ?? resourceHref(caller, list.id, resource.name),
        ...select(
          wanted,
          propMap([...resourceProps(resource, text), [q(CALDAV, "calendar-data"), text]]),
        ),
      };
    };
    if (asked.kind === "calendar-query") {
      const { component, range } = asked.filter;
      if (component !== null && component !== "VTODO") return sendMultistatus(reply, []);
      const resources = await store.resourcesOf(list.id);
      return sendMultistatus(
        reply,
        resources
          .filter((one) => range === null || overlapsRange(caller, one, range))
          .map((one) => entry(one)),
      );
    }
    if (asked.kind === "calendar-multiget") {
      const byName = new Map((await store.resourcesOf(list.id)).map((one) => [one.name, one]));
      return sendMultistatus(
        reply,
        asked.hrefs.map((at) => {
          let name = "";
          try {
            name = decodeURIComponent(at.split("/").pop() ?? "");
          } catch {
            name = "";
          }
          const resource = byName.get(name);
          // Each href is echoed exactly as it was asked for.
          return resource ? entry(resource, at) : { href: at, status: 404 };
        }),
      );
    }
    // sync-collection (RFC 6578): everything for an empty token, else what changed since it.
    if (asked.token === "") {
      const token = await store.tokenOf(caller.userId, list.id, caller.zone);
      return sendMultistatus(
        reply,
        (await store.resourcesOf(list.id)).map((one) => entry(one)),
        token,
      );
    }
    const position = positionOfToken(asked.token, caller.zone);
    const since =
      position === null
        ? null
        : await store.changesSince(caller.userId, list.id, position, caller.zone);
    if (!since) return precondition(reply, 403, DAV, "valid-sync-token");
    return sendMultistatus(
      reply,
      since.changes.map((change) =>
        change.kind === "present"
          ? entry(change.resource)
          : { href: resourceHref(caller, list.id, change.name), status: 404 },
      ),
      since.token,
    );
  }

  async function put(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    list: List,
    name: string,
    existing: DavResource | null,
    body: string | undefined,
  ) {
    if (existing && request.headers["if-none-match"]?.trim() === "*")
      return plain(reply, 412, "A task of that name exists already");
    const current = existing ? etagOf(textFor(caller, existing)) : null;
    if (!matches(request, current))
      return plain(reply, 412, "The task has changed since it was read");
    if (!name.trim() || name.length > 255)
      return plain(reply, 400, "The resource name is not usable");
    let vtodo: Vtodo;
    try {
      vtodo = readVtodo(body ?? "");
    } catch (error) {
      if (!(error instanceof VtodoRefused)) throw error;
      return reply
        .code(error.precondition === "supported-calendar-component" ? 403 : 400)
        .type(XML)
        .send(davError(CALDAV, error.precondition));
    }
    if (vtodo.uid.length > 255) return precondition(reply, 400, CALDAV, "valid-calendar-data");
    const other = await store.resourceWithUid(list.id, vtodo.uid, existing?.task.id);
    if (other)
      return precondition(
        reply,
        409,
        CALDAV,
        "no-uid-conflict",
        resourceHref(caller, list.id, other.name),
      );

    const fields = fitted(fieldsOf(vtodo, caller.zone));
    const parent = fields.parentUid
      ? await store.resourceWithUid(list.id, fields.parentUid, existing?.task.id)
      : null;
    const input = taskInput(fields);
    // A parent named but not here yet keeps the task where it is; it is linked when it comes.
    const parentId = parent ? parent.task.id : fields.parentUid ? undefined : null;
    const write = (withParent: boolean) =>
      existing
        ? tasks.update(caller.userId, existing.task.id, {
            ...input,
            ...(withParent && parentId !== undefined ? { parent_id: parentId } : {}),
          })
        : tasks.create(caller.userId, {
            ...input,
            title: input.title ?? fields.title,
            list_id: list.id,
            ...(withParent && parentId ? { parent_id: parentId } : {}),
          });
    let outcome = await write(true);
    // A parent the task cannot go under (too deep, or its own subtask): kept out of it.
    if (outcome.kind === "invalid" && outcome.errors.some((one) => one.field === "parent_id"))
      outcome = await write(false);
    if (outcome.kind === "not-found") return notFound(reply);
    if (outcome.kind === "forbidden") return precondition(reply, 403, DAV, "need-privileges");
    if (outcome.kind === "conflict") return plain(reply, 403, outcome.detail);
    if (outcome.kind === "invalid")
      return plain(
        reply,
        400,
        outcome.errors.map((one) => `${one.field}: ${one.message}`).join("; "),
      );

    const text = body ?? "";
    const taskId = outcome.task.id;
    await store.store({ taskId, name, uid: vtodo.uid, parentUid: fields.parentUid, ics: text });
    for (const child of await store.waitingFor(list.id, vtodo.uid))
      if (child !== taskId) await tasks.update(caller.userId, child, { parent_id: taskId });
    const stored = await store.resourceNamed(list.id, name);
    const served = stored ? textFor(caller, stored) : null;
    // A strong ETag only when what is served is byte for byte what was sent (RFC 4791 §5.3.4);
    // otherwise (a value cut to fit) the client fetches what was kept.
    if (served === text) {
      await store.markFresh(taskId);
      reply.header("etag", etagOf(text));
    }
    return reply.code(existing ? 204 : 201).send();
  }

  async function makeCollection(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: Caller,
    segment: string,
    body: string | undefined,
  ) {
    if (await listAt(caller, segment))
      return precondition(reply, 405, DAV, "resource-must-be-null");
    if (segment.length > 255 || !segment.trim())
      return plain(reply, 403, "The calendar's name is not usable");
    const extended = request.method === "MKCOL";
    const sets = readPropertyUpdate(body, extended ? "mkcol" : "mkcalendar");
    const prop = (ns: string, name: string) =>
      sets.find((one) => one.qname.ns === ns && one.qname.name === name);
    if (extended) {
      const type = prop(DAV, "resourcetype");
      if (!type?.elements.some((one) => one.ns === CALDAV && one.name === "calendar"))
        return precondition(reply, 403, DAV, "valid-resourcetype");
    }
    const components = prop(CALDAV, "supported-calendar-component-set");
    if (components && !components.names.some((one) => one.toUpperCase() === "VTODO"))
      return precondition(reply, 403, CALDAV, "supported-calendar-component");
    const displayname = prop(DAV, "displayname")?.text?.trim();
    const listName = [...(displayname || segment).replace(/\0/g, "")]
      .slice(0, LIST_NAME_MAX)
      .join("")
      .trim();
    const color = nearestColor(prop(APPLE, "calendar-color")?.text ?? "") ?? "gray";
    const outcome = await lists.create(caller.userId, { name: listName || "Tasks", color });
    if (outcome.kind !== "ok")
      return plain(reply, 403, "detail" in outcome ? outcome.detail : "Not allowed");
    await store.nameCollection(caller.userId, segment, outcome.value.id);
    return reply.code(201).header("content-length", "0").send();
  }

  async function patchCollection(
    reply: FastifyReply,
    caller: Caller,
    list: List,
    body: string | undefined,
  ) {
    const sets = readPropertyUpdate(body, "propertyupdate");
    const at = collectionHref(caller, list.id);
    const changes: { name?: string; color?: List["color"] } = {};
    const refused: QName[] = [];
    for (const one of sets) {
      const { ns, name } = one.qname;
      if (ns === DAV && name === "displayname" && one.text) {
        const cut = [...one.text.replace(/\0/g, "")].slice(0, LIST_NAME_MAX).join("").trim();
        if (cut) changes.name = cut;
        else refused.push(one.qname);
      } else if (ns === APPLE && name === "calendar-color" && one.text !== null) {
        const color = nearestColor(one.text);
        if (color) changes.color = color;
        else refused.push(one.qname);
      } else if (!(ns === APPLE && name === "calendar-order")) refused.push(one.qname);
    }
    // All or nothing (RFC 4918 §9.2): one refused property fails the others with 424.
    if (refused.length > 0)
      return reply
        .code(207)
        .type(XML)
        .send(
          propstatMultistatus(
            at,
            sets.map((one) => [one.qname, refused.includes(one.qname) ? 403 : 424]),
          ),
        );
    const outcome =
      Object.keys(changes).length > 0
        ? await lists.update(caller.userId, list.id, changes)
        : ({ kind: "ok" } as const);
    const status = outcome.kind === "ok" ? 200 : 403;
    return reply
      .code(207)
      .type(XML)
      .send(
        propstatMultistatus(
          at,
          sets.map((one) => [one.qname, status]),
        ),
      );
  }

  // CalDAV is not part of the REST reference: its own RFCs document it.
  const routeOptions = { onRequest: authenticate, handler: handle, schema: { hide: true } };
  app.route({ method: [...DAV_METHODS], url: "/dav", ...routeOptions });
  app.route({ method: [...DAV_METHODS], url: "/dav/*", ...routeOptions });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof XmlRefused) return plain(reply, 400, error.detail);
    throw error;
  });
};

/** Whether `If-Match` (absent, `*`, or a list of ETags) allows a write to a resource with `etag`. */
function matches(request: FastifyRequest, etag: string | null): boolean {
  const header = request.headers["if-match"];
  if (header === undefined) return true;
  if (etag === null) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((one) => one.trim() === etag);
}

/** A path segment as written in an href: percent-encoded where a path needs it. */
function pathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /%(40|3A|2C|3B|3D|2B|24|26|21|27|28|29|2A)/gi,
    (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** The named colour nearest to `#RRGGBB` or `#RRGGBBAA`, or null for a value that is not one. */
export function nearestColor(hex: string): List["color"] | null {
  const match = /^#?([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(hex.trim());
  if (!match?.[1]) return null;
  const rgb = (value: string) => [0, 2, 4].map((i) => Number.parseInt(value.slice(i, i + 2), 16));
  const [r = 0, g = 0, b = 0] = rgb(match[1]);
  let best: List["color"] = "gray";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [name, value] of Object.entries(COLORS) as Array<[List["color"], string]>) {
    const [r2 = 0, g2 = 0, b2 = 0] = rgb(value.slice(1, 7));
    const distance = (r - r2) ** 2 + (g - g2) ** 2 + (b - b2) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = name;
    }
  }
  return best;
}
