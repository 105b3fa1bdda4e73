import path from "node:path";
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Internal packages ship TypeScript source.
  transpilePackages: ["@taskbridge/auth", "@taskbridge/db", "@taskbridge/shared"],
  serverExternalPackages: ["pg", "@node-rs/argon2"],
  turbopack: { root: path.resolve(import.meta.dirname, "../..") },
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
