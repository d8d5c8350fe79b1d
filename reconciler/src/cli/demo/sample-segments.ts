/**
 * The demo's sample data: two CSV segments of made-up people in a folder, shaped like what a
 * customer-data platform exports. `high-value` holds 80 % of the profiles; `newsletter-signups`
 * holds the last 30 %, so a tenth of all profiles are in both and step 2 of the quickstart (which
 * adds that segment) brings a fifth of the profiles in as new contacts.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Iris", "Jonas"];
const LAST = ["Lovelace", "Okafor", "Martin", "Patel", "Schmidt", "Haddad", "Hopper", "Novak"];

/** How many profiles each segment holds, for the summary. */
export interface SampleSegments {
  highValue: number;
  newsletterSignups: number;
  /** Profiles in at least one segment. */
  total: number;
}

async function writeCsv(path: string, from: number, to: number): Promise<void> {
  const out = createWriteStream(path);
  out.write("email,first_name,last_name\n");
  for (let i = from; i < to; i++) {
    const line = `person${i}@example.com,${FIRST[i % FIRST.length]},${LAST[i % LAST.length]}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await finished(out);
}

/** Writes `high-value.csv` and `newsletter-signups.csv` for `profiles` people into `dir`. */
export async function writeSampleSegments(dir: string, profiles: number): Promise<SampleSegments> {
  await mkdir(dir, { recursive: true });
  const highValueEnd = Math.floor(profiles * 0.8);
  const signupsStart = Math.floor(profiles * 0.7);
  await writeCsv(join(dir, "high-value.csv"), 0, highValueEnd);
  await writeCsv(join(dir, "newsletter-signups.csv"), signupsStart, profiles);
  return { highValue: highValueEnd, newsletterSignups: profiles - signupsStart, total: profiles };
}
