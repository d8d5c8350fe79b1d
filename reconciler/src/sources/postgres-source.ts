/**
 * The `postgres` source: the rows of a segment come from SQL an admin defined in the source —
 * one query per segment, or a table/view with a column naming the segment (the segment name is
 * then bound as a parameter, never spliced into SQL). Rows stream through a server-side cursor
 * (`DECLARE … CURSOR` / `FETCH`), so memory holds one batch. Every value is read in PostgreSQL's
 * text form; NULLs are left out of the row.
 *
 * Every statement — the version query included — runs in a `READ ONLY` transaction with a
 * `statement_timeout`, through the extended query protocol, which runs exactly one statement per
 * message: text that smuggles a second statement is refused by the server. Rows and bytes per
 * segment are capped. The database's error text can carry data values, so it never goes into the
 * error's message: that names the segment, the source and the SQLSTATE; the text stays in `cause`
 * (the log).
 *
 * The version is computed by the server without transferring rows: the row count and the sum of
 * a 60-bit prefix of each row's MD5, so any change of any row (or of the query) changes it.
 */
import pg from "pg";
import { AppError } from "../core/errors.ts";
import type { ResolvedSegment, SegmentRow, SegmentSource } from "./segment-source.ts";

/** Where a segment's rows come from, as the source's admin defined it. */
export type PostgresSegments =
  | { queries: Readonly<Record<string, string>> }
  | { table: { name: string; segmentColumn: string } };

/** Options of {@link createPostgresSource}. */
export interface PostgresSourceOptions {
  connectionString: string;
  /** The source's SQL: a query per segment (a trailing `;` is allowed) or a table. */
  segments: PostgresSegments;
  /** Name of the source, for messages. @default "postgres" */
  sourceName?: string | undefined;
  /** Rows per `FETCH`. @default 5_000 */
  fetchSize?: number | undefined;
  /** `statement_timeout` of every statement, in ms. @default 60_000 */
  statementTimeoutMs?: number | undefined;
  /** Most rows one segment may return. @default 2_000_000 */
  maxRows?: number | undefined;
  /** Most bytes of value text one segment may return. @default 1 GiB */
  maxBytes?: number | undefined;
}

const textParser = {
  getTypeParser:
    () =>
    (value: string): string =>
      value,
};

/** `"schema"."table"` from `schema.table`; the contract allows plain identifiers only. */
function quoteQualified(name: string): string {
  return name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");
}

/** Creates a `postgres` source; it holds a small pool until `close()`. */
export function createPostgresSource(options: PostgresSourceOptions): SegmentSource {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    connectionTimeoutMillis: 10_000,
  });
  pool.on("error", () => undefined); // idle-client errors surface on the next query instead
  const fetchSize = options.fetchSize ?? 5_000;
  const timeoutMs = Math.max(1, Math.floor(options.statementTimeoutMs ?? 60_000));
  const maxRows = options.maxRows ?? 2_000_000;
  const maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
  const sourceName = options.sourceName ?? "postgres";

  /** The segment's query and its parameters. */
  const queryOf = (segment: string): { sql: string; values: string[] } => {
    if ("table" in options.segments) {
      const { name, segmentColumn } = options.segments.table;
      return {
        sql: `SELECT * FROM ${quoteQualified(name)} WHERE ${quoteQualified(segmentColumn)} = $1`,
        values: [segment],
      };
    }
    const queries = options.segments.queries;
    const sql = Object.hasOwn(queries, segment) ? queries[segment] : undefined;
    if (sql === undefined) {
      throw new AppError(
        "SOURCE_NOT_FOUND",
        `source '${sourceName}' defines no query for segment '${segment}'; use one of its ` +
          "segments (`ccx sources`), or ask an admin to add a query for it",
        { details: { source: sourceName, segment } },
      );
    }
    return { sql: sql.trim().replace(/;+\s*$/, ""), values: [] };
  };

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw new AppError(
        "SOURCE_UNAVAILABLE",
        `the database of source '${sourceName}' cannot be reached; an admin should check the ` +
          "source's connection string and that the server is running",
        { cause: error, retryable: true, details: { source: sourceName } },
      );
    }
  };

  const run = async (
    client: pg.PoolClient,
    segment: string,
    text: string,
    values: string[] = [],
  ): Promise<pg.QueryResult> => {
    try {
      // queryMode "extended": Parse/Bind/Execute, which runs one statement and never more
      // (pg supports it; its type declarations do not list it yet).
      const query: pg.QueryConfig<string[]> & { queryMode: "extended" } = {
        text,
        values,
        types: textParser,
        queryMode: "extended",
      };
      return await client.query(query);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : "unknown";
      throw new AppError(
        sqlState === "57014" ? "SOURCE_TIMEOUT" : "SOURCE_MALFORMED",
        `the query of segment '${segment}' in source '${sourceName}' failed (SQLSTATE ` +
          `${sqlState}); an admin can find the database's message in the reconciler's log and ` +
          "fix the source",
        { cause: error, details: { source: sourceName, segment, sqlState } },
      );
    }
  };

  /** Opens a read-only transaction with the statement timeout on a fresh client. */
  const begin = async (segment: string): Promise<pg.PoolClient> => {
    const client = await connect();
    try {
      await run(client, segment, "BEGIN READ ONLY");
      // SET takes no parameters; the value is an integer we computed, not caller text.
      await run(client, segment, `SET LOCAL statement_timeout = ${timeoutMs}`);
      return client;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release();
      throw error;
    }
  };

  const overLimit = (segment: string, what: string): AppError =>
    new AppError(
      "SOURCE_LIMIT_EXCEEDED",
      `segment '${segment}' of source '${sourceName}' returns more than ${what} ` +
        "(sources.postgres in the reconciler's configuration); narrow the segment or raise the limit",
      { details: { source: sourceName, segment } },
    );

  async function* rows(segment: string): AsyncGenerator<SegmentRow> {
    const { sql, values } = queryOf(segment);
    const client = await begin(segment);
    let committed = false;
    let count = 0;
    let bytes = 0;
    try {
      await run(client, segment, `DECLARE ccx_segment NO SCROLL CURSOR FOR ${sql}`, values);
      for (;;) {
        const batch = await run(client, segment, `FETCH ${fetchSize} FROM ccx_segment`);
        for (const record of batch.rows as Array<Record<string, string | null>>) {
          const row: SegmentRow = {};
          for (const [column, value] of Object.entries(record)) {
            if (value === null) continue;
            row[column] = value;
            bytes += value.length;
          }
          count += 1;
          if (count > maxRows) throw overLimit(segment, `${maxRows} rows`);
          if (bytes > maxBytes) throw overLimit(segment, `${maxBytes} bytes`);
          yield row;
        }
        if (batch.rows.length < fetchSize) break;
      }
      await client.query("COMMIT");
      committed = true;
    } finally {
      // Also reached when the consumer stops early: the cursor dies with the transaction.
      if (!committed) await client.query("ROLLBACK").catch(() => undefined);
      client.release();
    }
  }

  return {
    kind: "postgres",
    async resolve(segment): Promise<ResolvedSegment> {
      const { sql, values } = queryOf(segment);
      const client = await begin(segment);
      let version: string;
      try {
        const result = await run(
          client,
          segment,
          "SELECT count(*)::text || ':' || coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text AS version " +
            `FROM (${sql}) AS t`,
          values,
        );
        version = String((result.rows[0] as { version: string }).version);
      } finally {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
      }
      return {
        segment,
        version,
        location: `segment '${segment}' of source '${sourceName}'`,
        rows: () => rows(segment),
      };
    },
    close: () => pool.end(),
  };
}
