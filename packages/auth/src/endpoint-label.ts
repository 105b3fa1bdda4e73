/** The label of a request to `/api/auth` that no Better Auth endpoint serves. */
export const UNMATCHED_ENDPOINT = "unmatched";

/**
 * A function that names the Better Auth endpoint a path under the base path is for, by its
 * template (`/reset-password/:token`), so a token or id in the path never becomes a label.
 */
export function endpointLabeler(
  api: Record<string, { path?: string | undefined }>,
  basePath = "/api/auth",
): (pathname: string) => string {
  const statics = new Set<string>();
  const dynamics: { template: string; pattern: RegExp }[] = [];
  for (const endpoint of Object.values(api)) {
    const template = endpoint.path;
    if (!template) continue;
    if (!template.includes(":")) {
      statics.add(template);
      continue;
    }
    const source = template
      .split("/")
      .map((segment) =>
        segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    dynamics.push({ template, pattern: new RegExp(`^${source}$`) });
  }
  return (pathname) => {
    if (!pathname.startsWith(`${basePath}/`)) return UNMATCHED_ENDPOINT;
    const path = pathname.slice(basePath.length).replace(/\/+$/, "");
    if (statics.has(path)) return path;
    for (const { template, pattern } of dynamics) if (pattern.test(path)) return template;
    return UNMATCHED_ENDPOINT;
  };
}
