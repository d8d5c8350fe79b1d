/**
 * Synthetic segments: deterministic profiles written as CSV (or JSONL) files, for tests, the
 * pipeline benchmark and the demo. Profile `i` always has the same e-mail and fields; a
 * `changedPercent` rewrites the first name of a deterministic subset, as a later export would.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

const FIRST = [
  "Ann",
  "Bo",
  "Chen",
  "Dara",
  "Eli",
  "Fatima",
  "Goran",
  "Hana",
  "Ivo",
  "Jo",
  "Kemal",
  "Lea",
];
const LAST = [
  "Lee",
  "Ng",
  "Olsen",
  "Perez",
  "Quinn",
  "Rossi",
  "Sato",
  "Tanaka",
  "Urbán",
  "Vogel",
  "Weiss",
];
const COMPANY = ["Contoso", "Fabrikam, Inc.", 'The "Best" Co', "Northwind", "Adventure Works", ""];

/** Columns of a synthetic segment, in file order. */
export const SYNTHETIC_COLUMNS = [
  "CustomerId",
  "Email",
  "FirstName",
  "LastName",
  "Company",
] as const;

/** The mapping of the synthetic columns. */
export const SYNTHETIC_MAPPINGS = {
  email: "Email",
  firstName: "FirstName",
  lastName: "LastName",
  companyName: "Company",
} as const;

/** Options of {@link syntheticProfile}. */
export interface ProfileVariant {
  /** Percent of profiles (0–100) whose first name changed. @default 0 */
  changedPercent?: number | undefined;
}

/** The e-mail of profile `i` (lower case). */
export function syntheticEmail(i: number): string {
  return `user${i}@example${i % 97}.com`;
}

/** True when profile `i` is among the `percent` changed ones (a fixed, spread-out subset). */
export function isChanged(i: number, percent: number): boolean {
  return ((i * 2_654_435_761) >>> 0) % 10_000 < percent * 100;
}

/** Profile `i` as a row of {@link SYNTHETIC_COLUMNS}. */
export function syntheticProfile(i: number, variant: ProfileVariant = {}): Record<string, string> {
  const changed = isChanged(i, variant.changedPercent ?? 0);
  return {
    CustomerId: `C${String(i).padStart(8, "0")}`,
    // Mixed case and stray spaces: the pipeline must trim and lower-case.
    Email: i % 10 === 0 ? ` User${i}@Example${i % 97}.com ` : syntheticEmail(i),
    FirstName: `${FIRST[i % FIRST.length] ?? ""}${changed ? "-changed" : ""}`,
    LastName: LAST[i % LAST.length] ?? "",
    Company: COMPANY[i % COMPANY.length] ?? "",
  };
}

/** One segment to write. */
export interface SyntheticSegment {
  name: string;
  /** Profile numbers, in row order. */
  profiles: Iterable<number>;
  /** Split into this many part files in a folder `<name>/` instead of one `<name>.csv`. @default 1 */
  parts?: number | undefined;
  /** Extra raw rows appended (e.g. invalid ones), as column → value. */
  extraRows?: ReadonlyArray<Record<string, string>> | undefined;
  /** @default "csv" */
  format?: "csv" | "jsonl" | undefined;
  /** Line ending of CSV files. @default "\n" */
  lineEnding?: "\n" | "\r\n" | undefined;
  /** Write a UTF-8 BOM first. @default false */
  bom?: boolean | undefined;
}

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The text of a CSV file (header row first) for `rows`. */
export function* csvLines(
  rows: Iterable<Record<string, string>>,
  options: { columns?: readonly string[]; header?: boolean; lineEnding?: string } = {},
): Generator<string> {
  const columns = options.columns ?? SYNTHETIC_COLUMNS;
  const eol = options.lineEnding ?? "\n";
  let chunk = options.header === false ? "" : `${columns.map(csvField).join(",")}${eol}`;
  for (const row of rows) {
    chunk += `${columns.map((column) => csvField(row[column] ?? "")).join(",")}${eol}`;
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk !== "") yield chunk;
}

/** Writes segments into `folder` (the layout of the `files` source) and returns their paths. */
export async function writeSyntheticSegments(
  folder: string,
  segments: readonly SyntheticSegment[],
  variant: ProfileVariant = {},
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const segment of segments) {
    const format = segment.format ?? "csv";
    const parts = Math.max(1, segment.parts ?? 1);
    const numbers = [...segment.profiles];
    const perPart = Math.ceil(numbers.length / parts);
    let directory = folder;
    if (parts > 1) {
      directory = join(folder, segment.name);
      await mkdir(directory, { recursive: true });
    }
    for (let part = 0; part < parts; part += 1) {
      const slice = numbers.slice(part * perPart, (part + 1) * perPart);
      const extra = part === parts - 1 ? (segment.extraRows ?? []) : [];
      const partRows = function* (): Generator<Record<string, string>> {
        for (const i of slice) yield syntheticProfile(i, variant);
        yield* extra;
      };
      const file = join(
        directory,
        parts > 1 ? `${segment.name}_${part + 1}.${format}` : `${segment.name}.${format}`,
      );
      const body = function* (): Generator<string> {
        if (segment.bom === true) yield "\uFEFF";
        if (format === "jsonl") {
          let chunk = "";
          for (const row of partRows()) {
            chunk += `${JSON.stringify(row)}\n`;
            if (chunk.length > 256 * 1024) {
              yield chunk;
              chunk = "";
            }
          }
          if (chunk !== "") yield chunk;
        } else {
          yield* csvLines(partRows(), { lineEnding: segment.lineEnding });
        }
      };
      await pipeline(Readable.from(body()), createWriteStream(file));
      written.push(file);
    }
  }
  return written;
}

/** The numbers `from`, `from + 1`, … below `to`. */
export function* range(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i += 1) yield i;
}
