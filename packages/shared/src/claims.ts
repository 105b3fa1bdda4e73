import { z } from "zod";

/** Claims the web app puts in a token and the API requires, after signature checks. */
export const ClaimsSchema = z.object({
  sub: z.string().min(1),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number(),
  exp: z.number(),
  nbf: z.number().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
  /** OAuth access tokens (for `/mcp`): granted scopes, space-separated, and the client. */
  scope: z.string().optional(),
  azp: z.string().optional(),
  /** The session the token was issued for (Better Auth's session id); OAuth tokens may carry it. */
  sid: z.string().min(1).optional(),
});
export type Claims = z.infer<typeof ClaimsSchema>;
