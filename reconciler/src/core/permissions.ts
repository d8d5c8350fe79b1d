/**
 * Who may do what: exactly the split of the product ccx replaces. Admins own connections and
 * segment sources (where data comes from);
 * contributors manage every export on connections shared with contributors (and see only the
 * name and type of those connections); viewers only look. The API checks one action per route
 * against this table, and export routes additionally check the sharing of the connection and of
 * the source.
 */

export const roles = ["admin", "contributor", "viewer"] as const;
export type Role = (typeof roles)[number];

export type Sharing = "admins" | "contributors";

/** The actions a route may require, one per row of the permission table. */
export type Action =
  | "connection.manage"
  | "connection.read"
  | "connection.list"
  | "source.manage"
  | "source.read"
  | "source.list"
  | "export.manage"
  | "export.read";

export interface Permission {
  /** What the action covers, for documentation. */
  summary: string;
  /** The roles that may perform it. */
  roles: readonly Role[];
}

export const permissionTable: Readonly<Record<Action, Permission>> = {
  "connection.manage": {
    summary: "create / change / delete a connection, change its sharing",
    roles: ["admin"],
  },
  "connection.read": {
    summary: "see a connection's details (account, status, consent record)",
    roles: ["admin"],
  },
  "connection.list": {
    summary: "see name and type of connections shared with contributors",
    roles: ["admin", "contributor"],
  },
  "source.manage": {
    summary: "create / change / delete a segment source, change its sharing",
    roles: ["admin"],
  },
  "source.read": {
    summary: "see a source's details (folder, account, SQL; never its connection string)",
    roles: ["admin"],
  },
  "source.list": {
    summary: "see name, type and segments of sources shared with contributors",
    roles: ["admin", "contributor"],
  },
  "export.manage": {
    summary:
      "create / change / delete / run / cancel any export on a connection it may use " +
      "(contributors: only connections with sharing 'contributors')",
    roles: ["admin", "contributor"],
  },
  "export.read": {
    summary: "see exports, runs and their errors",
    roles: ["admin", "contributor", "viewer"],
  },
};

/** True when `role` may perform `action` at all. */
export function isAllowed(role: Role, action: Action): boolean {
  return permissionTable[action].roles.includes(role);
}

/** True when `role` may run and manage exports through a connection with this sharing. */
export function mayUseConnection(role: Role, sharing: Sharing): boolean {
  if (role === "admin") return true;
  return role === "contributor" && sharing === "contributors";
}

/** True when `role` may read segments from a source with this sharing (same rule). */
export function mayUseSource(role: Role, sharing: Sharing): boolean {
  return mayUseConnection(role, sharing);
}

/** "admin" or "admin or contributor": the roles that may perform `action`. */
export function describeRoles(action: Action): string {
  const allowed = permissionTable[action].roles;
  return allowed.length === 1
    ? (allowed[0] ?? "")
    : `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1) ?? ""}`;
}

/** The 403 message: "creating a connection needs the admin role; this token has contributor". */
export function forbiddenMessage(doing: string, action: Action, role: Role): string {
  return `${doing} needs the ${describeRoles(action)} role; this token has ${role}`;
}
