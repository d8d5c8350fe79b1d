#!/usr/bin/env node
// ccx runs its TypeScript sources directly on Node's type stripping, which needs Node >= 22.18.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `ccx needs Node.js >= 22.18 (this is ${process.versions.node}). ` +
      "Inside the repository, run it through npm (`npm exec ccx -- …`), which uses the Node 24 " +
      "that `npm ci` installs, or install Node 24.\n",
  );
  process.exit(1);
}
// Before anything is loaded: glibc's malloc settings are read when a process starts.
const { restartWithFixedMallocThreshold } = await import("../reconciler/bin/malloc-threshold.js");
restartWithFixedMallocThreshold();
const { main } = await import("../reconciler/cli.ts");
process.exitCode = await main(process.argv.slice(2));
