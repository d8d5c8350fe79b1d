/**
 * Resources as the policies see them in a preview, for the rules' tests: the type tokens and URNs
 * that `pulumi preview` reports for ccx's dynamic resources.
 */
import type { PolicyResourceView } from "./ccx-resource.ts";

const EXPORT = "pulumi-nodejs:dynamic/ccx:SegmentExport";
const CONNECTION = "pulumi-nodejs:dynamic/ccx:ConstantContactConnection";

/** A `SegmentExport` named `name` on `stack` with these inputs. */
export function exportResource(
  props: Record<string, unknown>,
  { name = "newsletter", stack = "dev" } = {},
): PolicyResourceView {
  return {
    type: EXPORT,
    urn: `urn:pulumi:${stack}::shop::${EXPORT}::${name}`,
    props: { name, ...props },
  };
}

/** A `ConstantContactConnection` named `name` on `stack` with these inputs. */
export function connectionResource(
  props: Record<string, unknown>,
  { name = "marketing", stack = "dev" } = {},
): PolicyResourceView {
  return {
    type: CONNECTION,
    urn: `urn:pulumi:${stack}::shop::${CONNECTION}::${name}`,
    props: { name, ...props },
  };
}

/** Some other provider's resource, which no ccx rule judges. */
export const bucket: PolicyResourceView = {
  type: "aws:s3/bucket:Bucket",
  urn: "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::b",
  props: { onDelete: "remove-members", membership: "mirror", consent: {}, connection: "x" },
};
