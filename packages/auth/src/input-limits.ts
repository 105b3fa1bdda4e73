import { APIError } from "better-auth/api";

/** Limits on what a person may store about themselves; a name also travels in every token. */
export const PROFILE_LIMITS = { nameMax: 100, emailMax: 254, imageMax: 2048 } as const;

/** An object's own entries, typed as unknown values. */
function entriesOf(body: object): [string, unknown][] {
  return Object.entries(body);
}

function field(body: unknown, name: string): unknown {
  if (typeof body !== "object" || body === null) return undefined;
  return entriesOf(body).find(([key]) => key === name)?.[1];
}

function refuse(message: string, code: string): APIError {
  return new APIError("BAD_REQUEST", { message, code });
}

/** A name of 1 to 100 characters once trimmed; the trimmed name is what gets stored. */
function checkName(value: unknown): string {
  if (typeof value !== "string") throw refuse("Enter your name.", "NAME_REQUIRED");
  const name = value.trim();
  if (name.length === 0) throw refuse("Enter your name.", "NAME_REQUIRED");
  if (name.length > PROFILE_LIMITS.nameMax) {
    throw refuse(
      `Use at most ${PROFILE_LIMITS.nameMax} characters for your name.`,
      "NAME_TOO_LONG",
    );
  }
  return name;
}

function checkEmail(value: unknown): void {
  // Better Auth checks the format; this only bounds the size (RFC 5321's 254 characters).
  if (typeof value === "string" && value.length > PROFILE_LIMITS.emailMax) {
    throw refuse(
      `Use an email address of at most ${PROFILE_LIMITS.emailMax} characters.`,
      "EMAIL_TOO_LONG",
    );
  }
}

function checkImage(value: unknown): void {
  if (typeof value === "string" && value.length > PROFILE_LIMITS.imageMax) {
    throw refuse(
      `Use an image URL of at most ${PROFILE_LIMITS.imageMax} characters.`,
      "IMAGE_TOO_LONG",
    );
  }
}

/**
 * Checks the profile fields of sign-up, profile update and email change before Better Auth
 * stores anything, and gives back the body with the name trimmed (or undefined when unchanged).
 */
export function checkProfileInput(
  path: string,
  body: unknown,
): Record<string, unknown> | undefined {
  if (path === "/sign-up/email" || path === "/update-user") {
    const name = field(body, "name");
    const trimmed = path === "/sign-up/email" || name !== undefined ? checkName(name) : undefined;
    checkEmail(field(body, "email"));
    checkImage(field(body, "image"));
    if (trimmed !== undefined && typeof body === "object" && body !== null && trimmed !== name) {
      return { ...body, name: trimmed };
    }
  }
  if (path === "/change-email") checkEmail(field(body, "newEmail"));
  return undefined;
}
