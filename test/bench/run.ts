/**
 * `npm run bench -- <name> [options]`: runs one benchmark from this folder and prints its numbers.
 * A benchmark is a module `test/bench/<name>.ts` exporting `runBenchmark(args)`.
 */
import { readdir } from "node:fs/promises";

interface BenchmarkModule {
  runBenchmark(args: string[]): Promise<void>;
}

const folder = new URL("./", import.meta.url);
const available = (await readdir(folder))
  .filter((file) => file.endsWith(".ts") && file !== "run.ts" && !file.endsWith(".test.ts"))
  .map((file) => file.slice(0, -".ts".length))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  process.stderr.write(
    `${name === undefined ? "" : `unknown benchmark '${name}'\n`}` +
      `Usage: npm run bench -- <name> [options]\nBenchmarks: ${available.join(", ") || "(none yet)"}\n`,
  );
  process.exit(2);
}
const benchmark = (await import(new URL(`./${name}.ts`, folder).href)) as BenchmarkModule;
await benchmark.runBenchmark(rest);
