import { oauthProviderAuthServerMetadata } from "@better-auth/oauth-provider";
import { getAuth } from "@/auth/server";

export const dynamic = "force-dynamic";

// RFC 8414 metadata at the root, where MCP clients look for the issuer (this origin).
export const GET = (request: Request) => oauthProviderAuthServerMetadata(getAuth())(request);
