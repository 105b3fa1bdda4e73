import { DOMParser, type Element } from "@xmldom/xmldom";
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";

// WebDAV's XML, read with a namespace-aware parser (@xmldom/xmldom) and written with xmlbuilder2:
// what a PROPFIND or REPORT asks for, and the multistatus answers.

export const DAV = "DAV:";
export const CALDAV = "urn:ietf:params:xml:ns:caldav";
export const CALSERVER = "http://calendarserver.org/ns/";
export const APPLE = "http://apple.com/ns/ical/";

/** A property's name: its namespace and local name. */
export interface QName {
  ns: string;
  name: string;
}

const key = (qname: QName) => `{${qname.ns}}${qname.name}`;

/** What a PROPFIND asks for: every property (also for an empty body), or these. */
export type PropRequest = { kind: "all" } | { kind: "names" } | { kind: "props"; props: QName[] };

/**
 * What a calendar-query's filter asks of a calendar's components: their name (VTODO, or another
 * that no resource here has) and a time-range (instants in milliseconds), if any. Property
 * filters (text-match, is-not-defined) are not read: the answer is then a superset, which RFC
 * 4791's clients filter again.
 */
export interface QueryFilter {
  component: string | null;
  range: { start?: number; end?: number } | null;
}

/** An RFC 5545 UTC date-time (`20261201T000000Z`) in milliseconds. */
function utcInstant(text: string | null): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text?.trim() ?? "");
  if (!match) {
    if (text) throw new XmlRefused("A time-range takes UTC date-times such as 20261201T000000Z");
    return undefined;
  }
  const [, y, mo, d, h, mi, se] = match.map(Number);
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, se ?? 0);
}

function queryFilter(root: Element): QueryFilter {
  const filter = children(root).find((child) => is(child, CALDAV, "filter"));
  const calendar = filter
    ? children(filter).find((child) => is(child, CALDAV, "comp-filter"))
    : undefined;
  const inner = calendar
    ? children(calendar).find((child) => is(child, CALDAV, "comp-filter"))
    : undefined;
  if (!inner) return { component: null, range: null };
  const range = children(inner).find((child) => is(child, CALDAV, "time-range"));
  const start = utcInstant(range?.getAttribute("start") ?? null);
  const end = utcInstant(range?.getAttribute("end") ?? null);
  return {
    component: (inner.getAttribute("name") ?? "").toUpperCase() || null,
    range: range
      ? { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) }
      : null,
  };
}

/** What a REPORT asks for. */
export type ReportRequest =
  | { kind: "calendar-query"; props: QName[]; filter: QueryFilter }
  | { kind: "calendar-multiget"; props: QName[]; hrefs: string[] }
  | { kind: "sync-collection"; props: QName[]; token: string }
  | { kind: "other"; name: QName };

export class XmlRefused extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "XmlRefused";
  }
}

function parse(text: string): Element {
  let failed = false;
  let root: Element | null = null;
  try {
    root = new DOMParser({
      onError: (level) => {
        if (level !== "warning") failed = true;
      },
    }).parseFromString(text, "text/xml").documentElement;
  } catch {
    failed = true;
  }
  if (failed || !root) throw new XmlRefused("The request body is not well-formed XML");
  return root;
}

const children = (element: Element): Element[] =>
  Array.from(element.childNodes).filter((node): node is Element => node.nodeType === 1);

const qnameOf = (element: Element): QName => ({
  ns: element.namespaceURI ?? "",
  name: element.localName ?? element.nodeName,
});

const is = (element: Element, ns: string, name: string) =>
  element.namespaceURI === ns && element.localName === name;

function propsIn(parent: Element): QName[] {
  const prop = children(parent).find((child) => is(child, DAV, "prop"));
  return prop ? children(prop).map(qnameOf) : [];
}

/** A PROPFIND body; an empty one asks for every property (RFC 4918 §9.1). */
export function readPropfind(body: string | undefined): PropRequest {
  if (!body?.trim()) return { kind: "all" };
  const root = parse(body);
  if (!is(root, DAV, "propfind")) throw new XmlRefused("Expected a DAV:propfind element");
  const first = children(root)[0];
  if (!first || is(first, DAV, "allprop")) return { kind: "all" };
  if (is(first, DAV, "propname")) return { kind: "names" };
  return { kind: "props", props: propsIn(root) };
}

/** A REPORT body. */
export function readReport(body: string | undefined): ReportRequest {
  if (!body?.trim()) throw new XmlRefused("A REPORT needs a body");
  const root = parse(body);
  if (is(root, CALDAV, "calendar-query"))
    return { kind: "calendar-query", props: propsIn(root), filter: queryFilter(root) };
  if (is(root, CALDAV, "calendar-multiget")) {
    const hrefs = children(root)
      .filter((child) => is(child, DAV, "href"))
      .map((child) => (child.textContent ?? "").trim());
    return { kind: "calendar-multiget", props: propsIn(root), hrefs };
  }
  if (is(root, DAV, "sync-collection")) {
    const token = children(root).find((child) => is(child, DAV, "sync-token"));
    return {
      kind: "sync-collection",
      props: propsIn(root),
      token: (token?.textContent ?? "").trim(),
    };
  }
  return { kind: "other", name: qnameOf(root) };
}

/** A property set (or removed) by PROPPATCH, MKCALENDAR or extended MKCOL. */
export interface PropSet {
  qname: QName;
  /** The text of the value; null for a removal. */
  text: string | null;
  /** The child elements of the value (a resourcetype's, a component set's). */
  elements: QName[];
  /** The `name` attributes of the value's children (a component set's `comp name="VTODO"`). */
  names: string[];
}

function propSets(container: Element, remove: boolean): PropSet[] {
  const prop = children(container).find((child) => is(child, DAV, "prop"));
  if (!prop) return [];
  return children(prop).map((element) => ({
    qname: qnameOf(element),
    text: remove ? null : (element.textContent ?? "").trim(),
    elements: children(element).map(qnameOf),
    names: children(element).map((child) => child.getAttribute("name") ?? ""),
  }));
}

/**
 * The properties of a PROPPATCH (`propertyupdate`), MKCALENDAR (`mkcalendar`) or extended
 * MKCOL (`mkcol`) body, in order; an empty body sets none.
 */
export function readPropertyUpdate(
  body: string | undefined,
  root: "propertyupdate" | "mkcol" | "mkcalendar",
): PropSet[] {
  if (!body?.trim()) {
    if (root === "propertyupdate") throw new XmlRefused("A PROPPATCH needs a body");
    return [];
  }
  const element = parse(body);
  const ns = root === "mkcalendar" ? CALDAV : DAV;
  if (!is(element, ns, root)) throw new XmlRefused(`Expected a ${ns}${root} element`);
  const sets: PropSet[] = [];
  for (const child of children(element)) {
    if (is(child, DAV, "set")) sets.push(...propSets(child, false));
    else if (is(child, DAV, "remove")) sets.push(...propSets(child, true));
  }
  return sets;
}

/** A propstat answer of PROPPATCH, MKCOL or MKCALENDAR: each property with its status. */
export function propstatMultistatus(href: string, results: Array<[QName, number]>): string {
  const root = multistatusRoot();
  const response = root.ele(DAV, "d:response");
  response.ele(DAV, "d:href").txt(href);
  for (const status of new Set(results.map(([, one]) => one))) {
    const propstat = response.ele(DAV, "d:propstat");
    const prop = propstat.ele(DAV, "d:prop");
    for (const [qname] of results.filter(([, one]) => one === status))
      prop.ele(qname.ns, elementName(qname));
    propstat.ele(DAV, "d:status").txt(statusLine(status));
  }
  return root.end({ prettyPrint: false });
}

/** A property value: text, or elements written into the property. */
export type PropValue = string | ((parent: XMLBuilder) => void);

/** One resource of a multistatus: found properties, and those asked for but not there. */
export interface DavResponse {
  href: string;
  /** When the resource itself is missing (a multiget of an unknown href). */
  status?: number;
  found?: Map<string, { qname: QName; value: PropValue }>;
  missing?: QName[];
}

export function propMap(
  entries: Array<[QName, PropValue]>,
): Map<string, { qname: QName; value: PropValue }> {
  return new Map(entries.map(([qname, value]) => [key(qname), { qname, value }]));
}

/** Which of `available` a request asks for, and which it asks for that are not there. */
export function select(
  request: PropRequest | { kind: "props"; props: QName[] },
  available: Map<string, { qname: QName; value: PropValue }>,
  names = false,
): { found: Map<string, { qname: QName; value: PropValue }>; missing: QName[] } {
  if (request.kind !== "props") {
    if (!names) return { found: available, missing: [] };
    return {
      found: new Map([...available].map(([k, { qname }]) => [k, { qname, value: "" }])),
      missing: [],
    };
  }
  const found = new Map<string, { qname: QName; value: PropValue }>();
  const missing: QName[] = [];
  for (const qname of request.props) {
    const entry = available.get(key(qname));
    if (entry) found.set(key(qname), entry);
    else missing.push(qname);
  }
  return { found, missing };
}

const PREFIXES: Record<string, string> = {
  [DAV]: "d",
  [CALDAV]: "cal",
  [CALSERVER]: "cs",
  [APPLE]: "ical",
};

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  403: "Forbidden",
  404: "Not Found",
  424: "Failed Dependency",
};
const statusLine = (status: number) => `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}`.trim();

/** An element's prefixed name: the known namespaces' prefixes, `x` for any other. */
const elementName = (qname: QName) => `${PREFIXES[qname.ns] ?? "x"}:${qname.name}`;

/** A multistatus element declaring the known namespaces once. */
function multistatusRoot(): XMLBuilder {
  const root = create({ version: "1.0", encoding: "utf-8" }).ele(DAV, "d:multistatus");
  for (const [ns, prefix] of Object.entries(PREFIXES))
    if (ns !== DAV) root.att("http://www.w3.org/2000/xmlns/", `xmlns:${prefix}`, ns);
  return root;
}

/** A 207 multistatus body. */
export function multistatus(responses: DavResponse[], syncToken?: string): string {
  const root = multistatusRoot();
  for (const entry of responses) {
    const response = root.ele(DAV, "d:response");
    response.ele(DAV, "d:href").txt(entry.href);
    if (entry.status !== undefined) {
      response.ele(DAV, "d:status").txt(statusLine(entry.status));
      continue;
    }
    if (entry.found && entry.found.size > 0) {
      const propstat = response.ele(DAV, "d:propstat");
      const prop = propstat.ele(DAV, "d:prop");
      for (const { qname, value } of entry.found.values()) {
        const element = prop.ele(qname.ns, elementName(qname));
        if (typeof value === "string") {
          if (value) element.txt(value);
        } else value(element);
      }
      propstat.ele(DAV, "d:status").txt(statusLine(200));
    }
    if (entry.missing && entry.missing.length > 0) {
      const propstat = response.ele(DAV, "d:propstat");
      const prop = propstat.ele(DAV, "d:prop");
      for (const qname of entry.missing) prop.ele(qname.ns, elementName(qname));
      propstat.ele(DAV, "d:status").txt(statusLine(404));
    }
  }
  if (syncToken !== undefined) root.ele(DAV, "d:sync-token").txt(syncToken);
  return root.end({ prettyPrint: false });
}

/** An error body of RFC 4918 §16 naming the precondition that failed (with an href in it). */
export function davError(ns: string, name: string, href?: string): string {
  const condition = create({ version: "1.0", encoding: "utf-8" })
    .ele(DAV, "d:error")
    .ele(ns, elementName({ ns, name }));
  if (href !== undefined) condition.ele(DAV, "d:href").txt(href);
  return condition.up().end({ prettyPrint: false });
}
