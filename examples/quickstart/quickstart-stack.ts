/**
 * The quickstart's resources, shared by the first step (`index.ts`) and the second
 * (`step2/index.ts`), which changes a mapping and adds a segment. With an admin token it
 * declares all three: the connection, the segment source and the export that reads it.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConstantContactConnection,
  SegmentExport,
  SegmentSource,
  type SegmentExportArgs,
} from "@ccx/pulumi";

/** What differs between the steps. */
export interface QuickstartStep {
  mappings: SegmentExportArgs["mappings"];
  segments: string[];
}

/** Declares the connection and the export, and returns the stack outputs. */
export function declareQuickstart(step: QuickstartStep) {
  const config = new pulumi.Config();
  const connection = new ConstantContactConnection("marketing", {
    displayName: "Marketing (quickstart)",
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

  // Where the segments live: a folder under one of the reconciler's `sources.files.roots`.
  const segments = new SegmentSource("segments", {
    type: "files",
    sharing: "contributors",
    description: "Segment files of the quickstart",
    path: config.require("segmentsPath"),
  });

  const newsletter = new SegmentExport("newsletter", {
    connection: connection.name,
    list: { name: config.get("listName") ?? "ccx quickstart newsletter", create: true },
    mappings: step.mappings,
    segments: step.segments,
    source: segments.name,
    schedule: { manualOnly: true },
    membership: "mirror",
    guards: { maxRemovePercent: 10 },
  });

  return {
    connectionName: connection.name,
    sourceName: segments.name,
    accountId: connection.accountId,
    organizationName: connection.organizationName,
    exportName: newsletter.name,
    generation: newsletter.generation,
    lastRun: newsletter.lastRun,
  };
}
