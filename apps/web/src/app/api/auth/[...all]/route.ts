import { toNextJsHandler } from "better-auth/next-js";
import { endpointLabeler } from "@taskbridge/auth/endpoint-label";
import { createAuthHandler } from "@taskbridge/auth/handler";
import { getAuth } from "@/auth/server";
import { webMetrics } from "@/lib/metrics";

export const dynamic = "force-dynamic";

const globalForLabel = globalThis as unknown as {
  taskbridgeEndpointLabel?: (pathname: string) => string;
};

/** Better Auth answers; the answer is counted by endpoint template and status. */
const handler = async (request: Request) => {
  const response = await createAuthHandler(getAuth())(request);
  globalForLabel.taskbridgeEndpointLabel ??= endpointLabeler(getAuth().api);
  webMetrics().authRequests.inc({
    method: request.method,
    endpoint: globalForLabel.taskbridgeEndpointLabel(new URL(request.url).pathname),
    status: String(response.status),
  });
  return response;
};

export const GET = (request: Request) => toNextJsHandler(handler).GET(request);
export const POST = (request: Request) => toNextJsHandler(handler).POST(request);
