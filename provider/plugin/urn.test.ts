import { describe, expect, it } from "vitest";
import { parseUrn } from "./urn.ts";

describe("parseUrn", () => {
  it.each([
    [
      "urn:pulumi:dev::ccx-yaml::ccx:index:SegmentExport::newsletter",
      { stack: "dev", project: "ccx-yaml", type: "ccx:index:SegmentExport", name: "newsletter" },
    ],
    [
      // Under a parent component the type is qualified by the parent's; the last one is the type.
      "urn:pulumi:prod::team::my:index:Bundle$ccx:index:SegmentSource::crm",
      { stack: "prod", project: "team", type: "ccx:index:SegmentSource", name: "crm" },
    ],
    [
      "urn:pulumi:dev::p::ccx:index:SegmentExport::name::with::colons",
      { stack: "dev", project: "p", type: "ccx:index:SegmentExport", name: "name::with::colons" },
    ],
  ])("splits %s", (urn, parts) => {
    expect(parseUrn(urn)).toEqual(parts);
  });

  it("refuses what is not a resource URN", () => {
    expect(() => parseUrn("newsletter")).toThrow(/not a Pulumi resource URN/);
  });
});
