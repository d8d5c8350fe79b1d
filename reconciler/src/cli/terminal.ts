/**
 * Terminal output of the remote commands: colour only on a TTY (and never with `NO_COLOR`),
 * aligned tables, and a one-line progress bar.
 */

/** Text styles; each is the identity when colour is off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** True when `stream` is a terminal that wants colour (https://no-color.org). */
export function wantsColour(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["TERM"] === "dumb") return false;
  return stream.isTTY === true;
}

/** Styles that colour when `colour` is true and return the text unchanged otherwise. */
export function createStyle(colour: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    colour ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

// ANSI SGR sequences, which take no room on screen.
const ANSI = /\x1b\[[0-9;]*m/g;

/** Characters `text` takes on screen. */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

function pad(text: string, width: number, alignRight: boolean): string {
  const fill = " ".repeat(Math.max(0, width - visibleLength(text)));
  return alignRight ? fill + text : text + fill;
}

/** A column of {@link renderTable}: its header and whether numbers align right. */
export interface Column {
  header: string;
  numeric?: boolean;
}

/** Rows under upper-case headers, columns two spaces apart, like `kubectl get`. */
export function renderTable(columns: Column[], rows: string[][], style: Style): string {
  const widths = columns.map((column, index) =>
    Math.max(visibleLength(column.header), ...rows.map((row) => visibleLength(row[index] ?? ""))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => pad(cell, widths[index] ?? 0, columns[index]?.numeric === true))
      .join("  ")
      .trimEnd();
  return [
    style.bold(line(columns.map((column) => column.header.toUpperCase()))),
    ...rows.map(line),
  ].join("\n");
}

/** `key  value` lines with the keys aligned. */
export function renderPairs(pairs: Array<[string, string]>, style: Style): string {
  const width = Math.max(0, ...pairs.map(([key]) => visibleLength(key)));
  return pairs.map(([key, value]) => `${style.dim(pad(key, width, false))}  ${value}`).join("\n");
}

/** `[██████░░░░░░]`: `fraction` (0–1) of `width` cells filled. */
export function progressBar(fraction: number, width: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`;
}

const numberFormat = new Intl.NumberFormat("en-US");

/** `1,234`, or `-` when unknown. */
export function formatNumber(value: number | undefined): string {
  return typeof value === "number" ? numberFormat.format(value) : "-";
}

/** `2026-11-23 14:05 UTC`, or `-`. */
export function formatTime(iso: string | null | undefined): string {
  if (typeof iso !== "string") return "-";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? "-"
    : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `3.2 s`, `2 min 5 s`, or `-` until both ends are known. */
export function formatDuration(start: string | null, end: string | null): string {
  if (start === null || end === null) return "-";
  const ms = new Date(end).getTime() - new Date(start).getTime();
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
