// What starts one copy of each app, and the HAProxy that `npm run cluster` and the rolling-restart
// test put in front of two of each: shared so that both run the apps exactly as `npm start` does.
import { existsSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./stack-env.ts";
import { webDir } from "./web-build.ts";

export const apiEntry = path.join(projectRoot, "apps/api/src/server.ts");
// Next.js behind a server that sets the client address from the socket and drains on SIGTERM.
export const webServerEntry = path.join(webDir, "server.ts");
export const haproxyConfig = path.join(projectRoot, "deploy/haproxy.cfg");

/** Node's arguments for one task API copy; it reads API_PORT and API_HOST from the environment. */
export function apiArgs(options: { watch?: boolean } = {}): string[] {
  return ["--import", "tsx", ...(options.watch ? ["--watch"] : []), apiEntry];
}

/** Node's arguments for one production web app copy (run in `webDir`, NODE_ENV=production). */
export function webArgs(port: number, host: string): string[] {
  return ["--import", "tsx", webServerEntry, "-p", String(port), "-H", host];
}

/** The `haproxy` binary: HAPROXY_BIN, else the first on PATH (or in /usr/sbin, Debian's place). */
export function findHaproxy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HAPROXY_BIN) return existsSync(env.HAPROXY_BIN) ? env.HAPROXY_BIN : undefined;
  const dirs = [...(env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, "haproxy");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const HAPROXY_MISSING =
  "HAProxy is not installed (no `haproxy` on PATH or in /usr/sbin; HAPROXY_BIN names another). " +
  "On Debian or Ubuntu: `sudo apt-get install haproxy`; on macOS: `brew install haproxy`.";

export interface ClusterAddresses {
  host: string;
  webFrontPort: number;
  apiFrontPort: number;
  statsPort: number;
  webPorts: [number, number];
  apiPorts: [number, number];
}

/** The variables deploy/haproxy.cfg reads. */
export function haproxyEnv(addresses: ClusterAddresses): Record<string, string> {
  const at = (port: number) => `${addresses.host}:${port}`;
  return {
    WEB_FRONT: at(addresses.webFrontPort),
    API_FRONT: at(addresses.apiFrontPort),
    STATS_FRONT: at(addresses.statsPort),
    WEB1: at(addresses.webPorts[0]),
    WEB2: at(addresses.webPorts[1]),
    API1: at(addresses.apiPorts[0]),
    API2: at(addresses.apiPorts[1]),
  };
}

/** `haproxy`'s arguments: in the foreground, with the configuration checked as it loads. */
export function haproxyArgs(): string[] {
  return ["-db", "-f", haproxyConfig];
}

/**
 * Each server's line of HAProxy's stats page, by `backend/server` ("web/web1"), as column name
 * to value (`status`: "UP", "DOWN", "UP 1/2" while rising...; `req_tot`: HTTP requests sent to
 * it). Empty when the stats page does not answer.
 */
export async function haproxyServerStats(
  statsUrl: string,
): Promise<Map<string, Record<string, string>>> {
  const servers = new Map<string, Record<string, string>>();
  const text = await fetch(`${statsUrl}/;csv`, { signal: AbortSignal.timeout(2000) })
    .then((response) => (response.ok ? response.text() : ""))
    .catch(() => "");
  const [header, ...rows] = text.split("\n");
  if (!header) return servers;
  const columns = header.replace(/^# /, "").split(",");
  for (const row of rows) {
    const cells = row.split(",");
    const line = Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ""]));
    const name = line.svname;
    if (!name || name === "FRONTEND" || name === "BACKEND") continue;
    servers.set(`${line.pxname}/${name}`, line);
  }
  return servers;
}

/** Each server's state (`status` above), by `backend/server`. */
export async function haproxyServerStates(statsUrl: string): Promise<Map<string, string>> {
  const stats = await haproxyServerStats(statsUrl);
  return new Map([...stats].map(([name, line]) => [name, line.status ?? ""]));
}
