import { describe, expect, it } from "vitest";
import { checkAllowedConnections } from "./allowed-connections.ts";
import { bucket, connectionResource, exportResource } from "./test-resources.ts";

describe("ccx-allowed-connections", () => {
  const allowed = { connections: ["marketing", "brand-*"] };
  it("passes exports through allowed connections", () => {
    expect(checkAllowedConnections(exportResource({ connection: "marketing" }), allowed)).toEqual(
      [],
    );
    expect(checkAllowedConnections(exportResource({ connection: "brand-eu" }), allowed)).toEqual(
      [],
    );
  });
  it("fails an export through another connection and lists the allowed ones", () => {
    expect(checkAllowedConnections(exportResource({ connection: "shadow-it" }), allowed)).toEqual([
      "export 'newsletter' exports through connection 'shadow-it', which is not allowed; set connection to one of 'marketing', 'brand-*'",
    ]);
  });
  it("fails a stack that declares a connection outside the set", () => {
    expect(
      checkAllowedConnections(connectionResource({}, { name: "side-project" }), allowed),
    ).toEqual([
      "connection 'side-project' is not an allowed connection; name it one of 'marketing', 'brand-*', or ask an admin to allow it",
    ]);
    expect(checkAllowedConnections(connectionResource({}), allowed)).toEqual([]);
  });
  it("allows any connection until the set is configured, and ignores other resources", () => {
    expect(checkAllowedConnections(exportResource({ connection: "x" }))).toEqual([]);
    expect(checkAllowedConnections(bucket, allowed)).toEqual([]);
  });
});
