#!/usr/bin/env node
// The installed `ccx` command: runs the compiled JavaScript of @ccx/reconciler.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `ccx needs Node.js >= 22.12 (this is ${process.versions.node}); install Node.js 22 or 24.\n`,
  );
  process.exit(1);
}
// Before anything is loaded: glibc's malloc settings are read when a process starts.
const { restartWithFixedMallocThreshold } = await import("./malloc-threshold.js");
restartWithFixedMallocThreshold();
// dist/ is what `npm run build` (and so `npm pack`) emits; the type checker never sees it.
/** @type {{ main(argv: string[]): Promise<number> }} */
const cli = await import("../dist/reconciler/cli.js");
process.exitCode = await cli.main(process.argv.slice(2));
