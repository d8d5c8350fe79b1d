/** GET /v3/account/summary (CONTRACT §1: connection check, scope `account_read`). */
import type { Hono } from "hono";
import type { EmulatorContext } from "../context.ts";
import { registerRoute } from "../request-pipeline.ts";
import type { EmulatorEnv } from "../request-pipeline.ts";

/** Registers the account summary route. */
export function registerAccountRoutes(app: Hono<EmulatorEnv>, ctx: EmulatorContext): void {
  registerRoute(app, ctx, {
    method: "GET",
    template: "/v3/account/summary",
    scope: "account_read",
    handler: (c, { account }) =>
      c.json({
        encoded_account_id: account.id,
        organization_name: account.organizationName,
        contact_email: account.contactEmail,
        country_code: "US",
        state_code: "MA",
        time_zone_id: "America/New_York",
      }),
  });
}
