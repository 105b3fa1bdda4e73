import { ZxcvbnFactory, type ZxcvbnResult } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

/**
 * zxcvbn's score from 0 to 4; 3 means at least 10^8 guesses, beyond what an online attack
 * (which our sign-in limits slow down) or a leaked list would find. NIST SP 800-63B: check
 * new passwords against common and breached ones, ask for length, never for composition.
 */
export const MIN_PASSWORD_SCORE = 3;

// Built on first use, on the server only: the dictionaries are large and never go to a browser.
let estimator: ZxcvbnFactory | undefined;
function getEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
  });
  return estimator;
}

const WARNINGS: Record<string, string> = {
  topTen: "This is one of the most common passwords.",
  topHundred: "This is one of the most common passwords.",
  common: "This is a commonly used password.",
  similarToCommon: "This is too close to a commonly used password.",
  wordByItself: "A single word is easy to guess.",
  namesByThemselves: "A name on its own is easy to guess.",
  commonNames: "Common names and surnames are easy to guess.",
  straightRow: "Rows of keys on a keyboard are easy to guess.",
  keyPattern: "Short keyboard patterns are easy to guess.",
  simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
  extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess.',
  sequences: 'Sequences like "abc" or "1234" are easy to guess.',
  recentYears: "Recent years are easy to guess.",
  dates: "Dates are easy to guess.",
  userInputs: "Don't use your name or email address in your password.",
};

export interface PasswordVerdict {
  ok: boolean;
  /** What to tell the person when the password is refused. */
  message: string;
}

/** Judges a new password; `userInputs` (name, email) count as easy to guess. */
export function judgePassword(password: string, userInputs: string[] = []): PasswordVerdict {
  const result: ZxcvbnResult = getEstimator().check(password, userInputs);
  if (result.score >= MIN_PASSWORD_SCORE) return { ok: true, message: "" };
  const warning = result.feedback.warning ? WARNINGS[result.feedback.warning] : undefined;
  return {
    ok: false,
    message: `${warning ?? "This password is easy to guess."} Try a longer one, such as a few unrelated words.`,
  };
}
