import { notFound } from "next/navigation";
import { getConfig } from "@/env";
import { metricsResponse } from "@/lib/metrics";

// Read on every request, in Node (prom-client reads the process).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Prometheus metrics, only to `Authorization: Bearer $METRICS_TOKEN`. The proxy already sends
 * any other request to the not-found page (as for any unknown path); this check stays so that
 * the route is safe on its own.
 */
export async function GET(request: Request): Promise<Response> {
  const response = await metricsResponse(request, getConfig().metricsToken);
  if (!response) notFound();
  return response;
}
