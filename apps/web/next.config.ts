import path from "node:path";
import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./src/lib/security-headers.ts";

const nextConfig: NextConfig = {
  // Internal packages ship TypeScript source.
  transpilePackages: ["@taskbridge/auth", "@taskbridge/db", "@taskbridge/shared"],
  // Loaded from node_modules at run time rather than bundled: native code, or (zxcvbn's
  // dictionaries, read once at start for the secret check) large data that slows every build;
  // prom-client so that the production server (server.ts) and the routes share one copy.
  serverExternalPackages: [
    "pg",
    "prom-client",
    "@node-rs/argon2",
    "@zxcvbn-ts/core",
    "@zxcvbn-ts/language-common",
  ],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` checks the web app's types itself (`npm run typecheck:web`, beside Vitest, where a
  // core is free) and fails on an error before it builds; it says so with this variable, and the
  // build skips its own pass over the same files. Every other build checks them.
  typescript: { ignoreBuildErrors: process.env.TASKBRIDGE_WEB_TYPES_CHECKED === "1" },
  // On every response, static files included; the CSP (per-request nonce) comes from proxy.ts.
  headers: async () => [{ source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] }],
};

export default nextConfig;
