import type { FastifyPluginAsync } from "fastify";
import type { TokenVerifier } from "../auth/verifier.ts";
import { authPlugin } from "../plugins/auth.ts";
import { rateLimitPlugin } from "../plugins/rate-limit.ts";
import { appPasswordRoutes } from "./app-passwords.ts";
import { calendarFeedRoutes } from "./calendar-feed.ts";
import { eventRoutes } from "./events.ts";
import { listRoutes } from "./lists.ts";
import { meRoutes } from "./me.ts";
import { settingsRoutes } from "./settings.ts";
import { taskRoutes } from "./tasks.ts";
import { todoistRoutes } from "./todoist.ts";
import { transferRoutes } from "./transfer.ts";

export interface ApiRoutesOptions {
  verifier?: TokenVerifier;
  /** Whether this copy sends due reminders (default true); every copy delivers them. */
  sendReminders?: boolean;
}

/**
 * Everything under `/api`, registered with `prefix: "/api"`: the token check and the rate limit
 * are registered here, in the same encapsulated context as the routes, so no route under it can
 * exist without them. Nothing inspects the URL to decide whether a request needs a token: the
 * router has already decoded the path (`/%61pi/me`, absolute-form targets) when it picks a route
 * of this plugin, and the route brings its hooks with it.
 */
export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (app, options) => {
  await app.register(authPlugin, options.verifier ? { verifier: options.verifier } : {});
  await app.register(rateLimitPlugin);
  await app.register(meRoutes);
  await app.register(settingsRoutes);
  await app.register(eventRoutes, { sendReminders: options.sendReminders ?? true });
  await app.register(taskRoutes, { userInPath: false });
  await app.register(listRoutes);
  await app.register(transferRoutes);
  await app.register(todoistRoutes);
  await app.register(calendarFeedRoutes);
  await app.register(appPasswordRoutes);
  await app.register(taskRoutes, { prefix: "/:user_id", userInPath: true });
};
