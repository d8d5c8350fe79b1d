// The admin stack: owns the connection and the segment source (an admin token in `ccx:token`)
// and shares both with contributors. Team stacks find them by name through a stack reference;
// they never see their details: not the credentials, not where the segment data lives.
import * as pulumi from "@pulumi/pulumi";
import { ConstantContactConnection, SegmentSource } from "@ccx/pulumi";

const config = new pulumi.Config();
const connection = new ConstantContactConnection("shared-marketing", {
  displayName: "Contoso marketing (shared)",
  sharing: "contributors",
  consent: {
    accepted: true,
    statementVersion: "2026-01",
    acceptedBy: config.require("consentBy"),
  },
  credentials: {
    clientId: config.require("clientId"),
    clientSecret: config.requireSecret("clientSecret"),
    refreshToken: config.requireSecret("refreshToken"),
  },
  exportUser: config.require("consentBy"),
});

// The loyalty segments, a folder under one of the reconciler's `sources.files.roots`.
const loyalty = new SegmentSource("loyalty-segments", {
  type: "files",
  sharing: "contributors",
  description: "Loyalty programme segments (gold, silver)",
  path: config.require("segmentsPath"),
});

/** What team stacks may know: the names of the connection and the source to export from. */
export const connectionName = connection.name;
export const sourceName = loyalty.name;
