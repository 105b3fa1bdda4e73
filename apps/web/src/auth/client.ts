"use client";
import { createAuthClient } from "better-auth/react";

/** Better Auth in the browser, on this site's own /api/auth. */
export const authClient = createAuthClient();
