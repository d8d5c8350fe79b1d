/** The contract of `GET /v1/me`: who the token is and what it may do, for the status page. */
import { z } from "zod";
import { ResourceNameSchema } from "./common.ts";

export const ActionSchema = z.enum([
  "connection.manage",
  "connection.read",
  "connection.list",
  "source.manage",
  "source.read",
  "source.list",
  "export.manage",
  "export.read",
]);

export const MeSchema = z
  .object({
    name: z.string().meta({ description: "The token's name (never the token)" }),
    role: z.enum(["admin", "contributor", "viewer"]),
    actions: z.array(ActionSchema).meta({
      description: "Actions of the permission table the role allows anywhere",
    }),
    exports: z
      .array(
        z.object({
          name: ResourceNameSchema,
          actions: z.array(ActionSchema).meta({
            description:
              "What this token may do with the export: `export.read` always, `export.manage` " +
              "(change, run, cancel) when the role and the connection's sharing allow it",
          }),
        }),
      )
      .meta({ description: "Every export with this token's permissions on it" }),
  })
  .meta({ id: "Me" });

export type Me = z.infer<typeof MeSchema>;
