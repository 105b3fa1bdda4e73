import { redirect } from "next/navigation";
import { getSession } from "@/auth/session";
import { resumeAuthorizationUrl, searchParamsOf } from "@/auth/oauth-query";

export const dynamic = "force-dynamic";

/**
 * Where the authorization server sends an assistant's sign-in: through the ordinary sign-in
 * page, then back here to resume the authorization request with the new session.
 */
export default async function OAuthSignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = searchParamsOf(await searchParams);
  if (!(await getSession())) {
    redirect(`/sign-in?next=${encodeURIComponent(`/oauth/sign-in?${query.toString()}`)}`);
  }
  redirect(resumeAuthorizationUrl(query));
}
