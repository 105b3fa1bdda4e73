// Which requests the proxy turns away from `/metrics`; apart from lib/metrics.ts so that the
// proxy does not load prom-client.
import { metricsAllowed } from "@taskbridge/shared/metrics-access";

/** Where `/metrics` is served. */
export const METRICS_PATH = "/metrics";

/**
 * A path no page or route serves: a request for `/metrics` without the token is rewritten to it
 * by the proxy, so it gets the very 404 page any unknown path gets.
 */
export const UNKNOWN_PATH = "/_unknown";

/** Whether a request is for `/metrics` (however its path is spelled) and may not read it. */
export function refusedMetricsRequest(
  pathname: string,
  authorization: string | null,
  token: string | undefined,
): boolean {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return false; // not a path any route serves
  }
  if (path.replace(/\/+$/, "") !== METRICS_PATH) return false;
  return !metricsAllowed(authorization, token);
}
