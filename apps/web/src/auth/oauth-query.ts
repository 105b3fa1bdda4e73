/** The query of a page the authorization server redirected to, as URLSearchParams. */
export function searchParamsOf(
  params: Record<string, string | string[] | undefined>,
): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value])
      query.append(key, item);
  }
  return query;
}

/** The provider's signature fields: they belong to the redirect, not to the client's request. */
const SIGNATURE_FIELDS = ["sig", "exp", "ba_iat", "ba_pl", "ba_param"];

/**
 * The client's original authorization request, to send again once the person is signed in.
 * A `login` prompt was just satisfied, so it is dropped (or the request would loop).
 */
export function resumeAuthorizationUrl(query: URLSearchParams): string {
  const resumed = new URLSearchParams(query);
  for (const field of SIGNATURE_FIELDS) resumed.delete(field);
  const prompt = (resumed.get("prompt") ?? "")
    .split(" ")
    .filter((value) => value && value !== "login")
    .join(" ");
  if (prompt) resumed.set("prompt", prompt);
  else resumed.delete("prompt");
  return `/api/auth/oauth2/authorize?${resumed.toString()}`;
}

/** What each scope lets an app do, in the words the consent page uses. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  "tasks:read": "See your tasks",
  "tasks:write": "Add, change, complete and delete your tasks",
  offline_access: "Stay connected until you revoke it",
};
