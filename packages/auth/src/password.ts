import { hash, verify } from "@node-rs/argon2";
import { verifyPassword as verifyScrypt } from "better-auth/crypto";

// OWASP's first recommendation for argon2id: 19 MiB of memory, 2 passes, 1 lane.
// Algorithm.Argon2id is 2 (a const enum, which isolated modules cannot read).
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

/**
 * Verifies argon2id hashes, and the scrypt hashes Better Auth wrote before we raised the cost
 * (`salt:key` in hex), so accounts made earlier can still sign in.
 */
export function verifyPassword({
  hash: stored,
  password,
}: {
  hash: string;
  password: string;
}): Promise<boolean> {
  if (stored.startsWith("$argon2")) return verify(stored, password).catch(() => false);
  return verifyScrypt({ hash: stored, password }).catch(() => false);
}
