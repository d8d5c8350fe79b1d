// A team stack: a contributor token in `ccx:token`, the names of the connection and the segment
// source from the admin stack (`adminStack`, e.g. `organization/ccx-multi-team-admin/prod`), and
// the team's own exports. The team picks segments; where their data lives is the admins' choice.
import * as pulumi from "@pulumi/pulumi";
import { SegmentExport } from "@ccx/pulumi";

const config = new pulumi.Config();
const admin = new pulumi.StackReference(config.require("adminStack"));

const loyalty = new SegmentExport("loyalty", {
  connection: admin.requireOutput("connectionName").apply(String),
  list: { name: config.get("listName") ?? "Loyalty members", create: true },
  mappings: { email: "email", firstName: "first_name", lastName: "last_name" },
  segments: config.getObject<string[]>("segments") ?? ["loyalty-gold"],
  source: admin.requireOutput("sourceName").apply(String),
  schedule: { cron: "0 6 * * *", timeZone: "Europe/Berlin" },
  membership: "mirror",
  guards: { maxRemovePercent: 10 },
});

export const exportName = loyalty.name;
export const generation = loyalty.generation;
export const lastRun = loyalty.lastRun;
