/**
 * A reconciler process for the scheduler tests: `ccx serve` with the stand-in pipeline.
 * Usage: node scheduler-child-process.ts <config.yaml> <chunks> <chunkMs>
 */
import { loadConfig } from "../../reconciler/src/config.ts";
import { startReconciler } from "../../reconciler/src/main.ts";
import { createStandInPipeline } from "./scheduler-stand-in-pipeline.ts";

const [configPath, chunks = "4", chunkMs = "150"] = process.argv.slice(2);
const reconciler = await startReconciler(loadConfig({ path: configPath, env: {} }), {
  createPipeline: (context) =>
    createStandInPipeline(context, { chunks: Number(chunks), chunkMs: Number(chunkMs) }),
});
process.stdout.write(`listening on ${reconciler.url}\n`);
process.once("SIGTERM", () => {
  void reconciler.close().then(() => process.exit(0));
});
