// Copies the status page's browser files (served as they are, no build step) beside the
// compiled server code, where `status-page.ts` looks for them.
import { cpSync, readdirSync } from "node:fs";

const from = new URL("../src/ui/", import.meta.url);
const to = new URL("../dist/reconciler/src/ui/", import.meta.url);
for (const file of readdirSync(from)) {
  if (/\.(js|css|html|svg)$/.test(file)) cpSync(new URL(file, from), new URL(file, to));
}
