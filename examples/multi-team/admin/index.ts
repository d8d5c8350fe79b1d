// The admin stack: owns the connection (an admin token in `ccx:token`) and shares it with
// contributors. Team stacks find it by name through a stack reference; they never see its details.
import * as pulumi from "@pulumi/pulumi";
import { ConstantContactConnection } from "@ccx/pulumi";

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

/** What team stacks may know: the name of the connection to export through. */
export const connectionName = connection.name;
