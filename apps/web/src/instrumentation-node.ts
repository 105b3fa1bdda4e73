// A wrong configuration stops the web app's server at start, with every bad variable named,
// instead of failing on the first request.
import { getConfig } from "./env.ts";

try {
  getConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
