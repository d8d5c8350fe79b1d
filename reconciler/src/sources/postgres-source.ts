/**
 * The `postgres` source: one SQL query per segment, streamed with a server-side cursor
 * (`DECLARE … CURSOR` / `FETCH`) inside a read-only transaction, so memory holds one batch.
 * Every value is read in PostgreSQL's text form; NULLs are left out of the row.
 *
 * The version is computed by the server without transferring rows: the row count and the sum of
 * a 60-bit prefix of each row's MD5, so any change of any row (or of the query) changes it. It
 * costs one scan of the query's result.
 */
import pg from "pg";
import { AppError } from "../core/errors.ts";
import type { ResolvedSegment, SegmentRow, SegmentSource } from "./segment-source.ts";

/** Options of {@link createPostgresSource}. */
export interface PostgresSourceOptions {
  connectionString: string;
  /** One query per segment, keyed by segment name. A trailing `;` is allowed. */
  queries: Readonly<Record<string, string>>;
  /** Rows per `FETCH`. @default 5_000 */
  fetchSize?: number | undefined;
}

const textParser = {
  getTypeParser:
    () =>
    (value: string): string =>
      value,
};

/** Creates a `postgres` source; it holds a small pool until `close()`. */
export function createPostgresSource(options: PostgresSourceOptions): SegmentSource {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    connectionTimeoutMillis: 10_000,
  });
  pool.on("error", () => undefined); // idle-client errors surface on the next query instead
  const fetchSize = options.fetchSize ?? 5_000;

  const queryOf = (segment: string): string => {
    const sql = Object.hasOwn(options.queries, segment) ? options.queries[segment] : undefined;
    if (sql === undefined) {
      throw new AppError(
        "SOURCE_NOT_FOUND",
        `the postgres source has no query for segment '${segment}'`,
      );
    }
    return sql.trim().replace(/;+\s*$/, "");
  };

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw new AppError(
        "SOURCE_UNAVAILABLE",
        "the segment database cannot be reached; check its connection string and that the server is running",
        { cause: error, retryable: true },
      );
    }
  };

  async function* rows(segment: string, sql: string): AsyncGenerator<SegmentRow> {
    const client = await connect();
    let committed = false;
    try {
      await client.query("BEGIN READ ONLY");
      await run(client, segment, `DECLARE ccx_segment NO SCROLL CURSOR FOR ${sql}`);
      for (;;) {
        const batch = await run(client, segment, `FETCH ${fetchSize} FROM ccx_segment`);
        for (const record of batch.rows as Array<Record<string, string | null>>) {
          const row: SegmentRow = {};
          for (const [column, value] of Object.entries(record))
            if (value !== null) row[column] = value;
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
      const sql = queryOf(segment);
      const client = await connect();
      let version: string;
      try {
        const result = await run(
          client,
          segment,
          "SELECT count(*)::text || ':' || coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text AS version " +
            `FROM (${sql}) AS t`,
        );
        version = String((result.rows[0] as { version: string }).version);
      } finally {
        client.release();
      }
      return {
        segment,
        version,
        location: `postgres query '${segment}'`,
        rows: () => rows(segment, sql),
      };
    },
    close: () => pool.end(),
  };
}

async function run(client: pg.PoolClient, segment: string, text: string): Promise<pg.QueryResult> {
  try {
    return await client.query({ text, types: textParser });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError(
      "SOURCE_MALFORMED",
      `the query of segment '${segment}' failed: ${message}; fix the query in the export's source`,
      { cause: error },
    );
  }
}
