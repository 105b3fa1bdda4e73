import { toNextJsHandler } from "better-auth/next-js";
import { createAuthHandler } from "@taskbridge/auth/handler";
import { getAuth } from "@/auth/server";

export const dynamic = "force-dynamic";

const handler = (request: Request) => createAuthHandler(getAuth())(request);

export const GET = (request: Request) => toNextJsHandler(handler).GET(request);
export const POST = (request: Request) => toNextJsHandler(handler).POST(request);
