// `npm run bench`: prints figures for the quality targets of the product. Not part of `npm test`:
// these machines are shared, so numbers are for reading, not for asserting.
import { benchApi } from "./api.ts";
import { benchEvents } from "./events.ts";
import { benchFloor } from "./floor.ts";
import { benchProfile } from "./profile.ts";
import { benchJwt } from "./jwt-verify.ts";
import { benchWebBundle } from "./web-bundle.ts";
import { benchDatabase } from "./support.ts";

async function main() {
  await benchWebBundle();
  await benchJwt();
  const database = await benchDatabase();
  try {
    await benchApi(database);
    await benchFloor(database);
    await benchProfile(database);
    await benchEvents(database);
  } finally {
    await database.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
