/**
 * The `azure-blob` source against Azurite, on the folder layout Customer Insights writes when it
 * exports segments to Azure Data Lake / Blob Storage:
 * `<container>/CustomerInsights_<instanceId>/<ExportDestinationName>/<TableName>/<yyyy>/<MM>/<dd>/<HHmm>/<TableName>_<PartitionId>.csv`
 * with a CDM `model.json` at the `<ExportDestinationName>` level.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContainerClient } from "@azure/storage-blob";
import { collectDesiredContacts } from "../../reconciler/src/export/desired-contacts.ts";
import { createAzureBlobSource } from "../../reconciler/src/sources/azure-blob-source.ts";
import type { SegmentRow, SegmentSource } from "../../reconciler/src/sources/segment-source.ts";
import { startAzurite } from "../support/azurite.ts";
import type { Azurite } from "../support/azurite.ts";
import {
  csvLines,
  range,
  SYNTHETIC_COLUMNS,
  SYNTHETIC_MAPPINGS,
  syntheticProfile,
} from "../support/segments.ts";

const PREFIX = "CustomerInsights_0f3c2a9e-1b7d-4c55-9a51-2f7d6c1e8b40/BlobExport";

let azurite: Azurite;
let container: ContainerClient;
let source: SegmentSource;

async function put(name: string, body: string): Promise<void> {
  await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
}

function csv(numbers: Iterable<number>, header: boolean, lineEnding = "\n"): string {
  return [
    ...csvLines(
      [...numbers].map((i) => syntheticProfile(i)),
      { header, lineEnding },
    ),
  ].join("");
}

interface Entity {
  name: string;
  partitions: Array<{ path: string; columnHeaders?: boolean }>;
}

function modelJson(entities: Entity[]): string {
  return JSON.stringify({
    name: "BlobExport",
    version: "1.0",
    entities: entities.map((entity) => ({
      $type: "LocalEntity",
      name: entity.name,
      attributes: SYNTHETIC_COLUMNS.map((name) => ({ name, dataType: "string" })),
      partitions: entity.partitions.map((partition) => ({
        name: partition.path.split("/").pop(),
        location: `https://contoso.dfs.core.windows.net/${container.containerName}/${PREFIX}/${partition.path}`,
        ...(partition.columnHeaders === undefined
          ? {}
          : {
              fileFormatSettings: {
                $type: "CsvFormatSettings",
                columnHeaders: partition.columnHeaders,
                delimiter: ",",
                quoteStyle: "QuoteStyle.Csv",
                csvStyle: "CsvStyle.QuoteAlways",
              },
            }),
      })),
    })),
  });
}

async function rowsOf(segment: string): Promise<SegmentRow[]> {
  const rows: SegmentRow[] = [];
  for await (const row of (await source.resolve(segment)).rows()) rows.push(row);
  return rows;
}

beforeAll(async () => {
  azurite = await startAzurite();
  container = await azurite.createContainer("customerinsights");
  source = createAzureBlobSource({
    access: { connectionString: azurite.connectionString, container: container.containerName },
    prefix: PREFIX,
  });

  // HighValueSegment: an older complete run, the current complete run in three parts with header
  // rows (one with CRLF), and a newer run still being written (one part, not yet in model.json).
  const high = `${PREFIX}/HighValueSegment`;
  await put(`${high}/2020/08/23/0900/HighValueSegment_1.csv`, csv(range(900, 905), true));
  await put(`${high}/2020/08/24/1433/HighValueSegment_1.csv`, csv(range(0, 40), true));
  await put(`${high}/2020/08/24/1433/HighValueSegment_2.csv`, csv(range(40, 80), true, "\r\n"));
  await put(`${high}/2020/08/24/1433/HighValueSegment_10.csv`, csv(range(80, 100), true));
  await put(`${high}/2020/08/25/0215/HighValueSegment_1.csv`, csv(range(500, 510), true));

  // LapsedSegment: header-less partitions; the columns come from model.json.
  const lapsed = `${PREFIX}/LapsedSegment`;
  await put(`${lapsed}/2020/08/24/1433/LapsedSegment_1.csv`, csv(range(200, 230), false));
  await put(`${lapsed}/2020/08/24/1433/LapsedSegment_2.csv`, csv(range(230, 250), false));

  // MixedSegment: columnHeaders not stated; one part has a header row, the other none.
  const mixed = `${PREFIX}/MixedSegment`;
  await put(`${mixed}/2020/08/24/1433/MixedSegment_1.csv`, csv(range(300, 305), true));
  await put(`${mixed}/2020/08/24/1433/MixedSegment_2.csv`, csv(range(305, 310), false));

  await put(
    `${PREFIX}/model.json`,
    modelJson([
      {
        name: "HighValueSegment",
        partitions: ["1", "2", "10"].map((id) => ({
          path: `HighValueSegment/2020/08/24/1433/HighValueSegment_${id}.csv`,
          columnHeaders: true,
        })),
      },
      {
        name: "LapsedSegment",
        partitions: ["1", "2"].map((id) => ({
          path: `LapsedSegment/2020/08/24/1433/LapsedSegment_${id}.csv`,
          columnHeaders: false,
        })),
      },
      {
        name: "MixedSegment",
        partitions: ["1", "2"].map((id) => ({
          path: `MixedSegment/2020/08/24/1433/MixedSegment_${id}.csv`,
        })),
      },
    ]),
  );
});

afterAll(async () => {
  await azurite?.stop();
});

describe("azure-blob source on the Customer Insights layout", () => {
  it("reads the newest complete time folder, all its part files in partition order", async () => {
    const resolved = await source.resolve("HighValueSegment");
    expect(resolved.version).toMatch(/^2020\/08\/24\/1433:/);
    expect(resolved.location).toContain("(3 parts)");
    const rows = await rowsOf("HighValueSegment");
    expect(rows).toHaveLength(100);
    expect(rows.map((row) => row.CustomerId)).toEqual(
      [...range(0, 100)].map((i) => syntheticProfile(i).CustomerId),
    );
    // Quoted commas and quotes survive.
    expect(rows[1]?.Company).toBe("Fabrikam, Inc.");
    expect(rows[2]?.Company).toBe('The "Best" Co');
  });

  it("takes column names from model.json when partitions have no header row", async () => {
    const rows = await rowsOf("LapsedSegment");
    expect(rows).toHaveLength(50);
    expect(rows[0]).toEqual(syntheticProfile(200));
    expect(rows[49]).toEqual(syntheticProfile(249));
  });

  it("detects a header row per partition when model.json does not say", async () => {
    const rows = await rowsOf("MixedSegment");
    expect(rows.map((row) => row.CustomerId)).toEqual(
      [...range(300, 310)].map((i) => syntheticProfile(i).CustomerId),
    );
  });

  it("moves to the new folder once its run completes, and the version changes", async () => {
    const before = (await source.resolve("HighValueSegment")).version;
    const high = `${PREFIX}/HighValueSegment`;
    await put(`${high}/2020/08/25/0215/HighValueSegment_2.csv`, csv(range(510, 520), true));
    // Still the old folder: model.json does not list the new run yet.
    expect((await source.resolve("HighValueSegment")).version).toBe(before);
    const model = JSON.parse(
      (await container.getBlobClient(`${PREFIX}/model.json`).downloadToBuffer()).toString("utf8"),
    ) as { entities: Array<{ name: string; partitions: unknown[] }> };
    const entity = model.entities.find((candidate) => candidate.name === "HighValueSegment");
    if (entity === undefined) throw new Error("model.json lost an entity");
    entity.partitions = ["1", "2"].map((id) => ({
      name: `HighValueSegment_${id}.csv`,
      location: `https://contoso.dfs.core.windows.net/${container.containerName}/${high}/2020/08/25/0215/HighValueSegment_${id}.csv`,
    }));
    await put(`${PREFIX}/model.json`, JSON.stringify(model));
    const after = await source.resolve("HighValueSegment");
    expect(after.version).toMatch(/^2020\/08\/25\/0215:/);
    const rows = await rowsOf("HighValueSegment");
    expect(rows.map((row) => row.CustomerId)).toEqual(
      [...range(500, 520)].map((i) => syntheticProfile(i).CustomerId),
    );
  });

  it("without model.json, the newest time folder is read with its header rows", async () => {
    const other = createAzureBlobSource({
      access: { connectionString: azurite.connectionString, container: container.containerName },
      prefix: "CustomerInsights_x/NoModel",
    });
    await put("CustomerInsights_x/NoModel/Vip/2021/01/01/0000/Vip_1.csv", csv(range(0, 2), true));
    await put("CustomerInsights_x/NoModel/Vip/2021/01/02/0000/Vip_1.csv", csv(range(2, 5), true));
    const resolved = await other.resolve("Vip");
    const rows: SegmentRow[] = [];
    for await (const row of resolved.rows()) rows.push(row);
    expect(rows.map((row) => row.CustomerId)).toEqual(
      [...range(2, 5)].map((i) => syntheticProfile(i).CustomerId),
    );
  });

  it.each([["a table that was never exported", "NoSuchSegment", "SOURCE_NOT_FOUND"]])(
    "fails clearly for %s",
    async (_name, segment, code) => {
      await expect(source.resolve(segment)).rejects.toMatchObject({ code });
    },
  );

  it("fails clearly for a container that does not exist", async () => {
    const missing = createAzureBlobSource({
      access: { connectionString: azurite.connectionString, container: "no-such-container" },
      prefix: PREFIX,
    });
    await expect(missing.resolve("HighValueSegment")).rejects.toMatchObject({
      code: "SOURCE_NOT_FOUND",
    });
  });

  it("feeds the pipeline: mapped, validated and de-duplicated across blob segments", async () => {
    const desired = await collectDesiredContacts({
      source,
      segments: ["LapsedSegment", "MixedSegment"],
      mappings: SYNTHETIC_MAPPINGS,
    });
    try {
      expect(desired.counts).toEqual({ rows: 60, invalid: 0, duplicates: 0, profiles: 60 });
      expect(desired.segments.map((segment) => segment.version)).toEqual([
        expect.stringMatching(/^2020\/08\/24\/1433:/),
        expect.stringMatching(/^2020\/08\/24\/1433:/),
      ]);
    } finally {
      await desired.dispose();
    }
  });
});
