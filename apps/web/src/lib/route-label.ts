// Which route of the app a request path is, for the request metrics: the template Next matched
// (`/invite/[token]`), never the path itself, which can hold tokens and ids.
import { UNMATCHED_ROUTE } from "./metrics.ts";

/** What is read of Next's `.next/routes-manifest.json`. */
export interface RoutesManifest {
  staticRoutes?: readonly { page: string }[];
  dynamicRoutes?: readonly { page: string; regex: string }[];
}

/** Next's own files, by folder, so a hashed file name never becomes a label. */
const NEXT_FILES = /^\/_next\/(static|image|data)(?:\/|$)/;
/** Flight (RSC) and prefetch variants of a page's path, which Next serves as that page. */
const RSC_SUFFIX = /(?:\.prefetch)?\.rsc$|\.segments\/.*$/;

/** A function that names the route of a path by the manifest's pages. */
export function routeLabeler(manifest: RoutesManifest): (pathname: string) => string {
  const statics = new Set((manifest.staticRoutes ?? []).map((route) => route.page));
  const dynamics = (manifest.dynamicRoutes ?? []).flatMap((route) => {
    try {
      return [{ page: route.page, regex: new RegExp(route.regex) }];
    } catch {
      return [];
    }
  });
  return (pathname) => {
    const files = NEXT_FILES.exec(pathname);
    if (files) return `/_next/${files[1]}`;
    if (pathname.startsWith("/_next/")) return "/_next";
    let path = pathname.replace(RSC_SUFFIX, "");
    if (path.length > 1) path = path.replace(/\/+$/, "");
    if (path === "/index") path = "/";
    if (statics.has(path)) return path;
    for (const route of dynamics) if (route.regex.test(path)) return route.page;
    return UNMATCHED_ROUTE;
  };
}
