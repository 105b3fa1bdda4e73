import path from "node:path";
import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./src/lib/security-headers.ts";

const nextConfig: NextConfig = {
  // Internal packages ship TypeScript source.
  transpilePackages: ["@taskbridge/db", "@taskbridge/shared"],
  serverExternalPackages: ["pg", "@node-rs/argon2"],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
  poweredByHeader: false,
  typedRoutes: false,
  // On every response, static files included; the CSP (per-request nonce) comes from proxy.ts.
  headers: async () => [{ source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] }],
};

export default nextConfig;
