/**
 * The resources the plugin serves, each bound to the same behaviour functions the dynamic
 * provider calls (one behaviour, two shells), plus the two things only a plugin needs: which
 * inputs are always secret, and the inputs that reproduce a resource found in the reconciler
 * (`pulumi import`).
 */
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  ReadResult,
  UpdateResult,
} from "../behaviour-results.ts";
import * as connection from "../connection-behaviour.ts";
import type {
  ConstantContactConnectionInputs,
  ConstantContactConnectionOutputs,
} from "../connection.ts";
import * as segmentExport from "../segment-export-behaviour.ts";
import type { SegmentExportInputs, SegmentExportOutputs } from "../segment-export.ts";
import * as segmentSource from "../segment-source-behaviour.ts";
import type { SegmentSourceInputs, SegmentSourceOutputs } from "../segment-source.ts";
import { TYPE_TOKENS } from "./package-schema.ts";

/** Plain property bags, as the shell hands them to a behaviour. */
type Props = Record<string, unknown>;

/** One resource type: its behaviour steps over plain property bags. */
export interface ResourceType {
  /** Inputs kept as secrets in the state whether or not the program marked them. */
  readonly secretInputs: readonly string[];
  check(olds: Props, news: Props): Promise<Required<CheckResult<Props>>>;
  diff(id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(inputs: Props): Promise<Required<CreateResult<Props>>>;
  read(id: string, props?: Props): Promise<ReadResult<Props>>;
  update(id: string, olds: Props, news: Props): Promise<Required<UpdateResult<Props>>>;
  delete(id: string, props: Props): Promise<void>;
  /** The inputs a program declares to get `outputs`: what `pulumi import` records and prints. */
  importedInputs(outputs: Props): Props;
}

/** A resource's behaviour module, typed with its own shapes. */
interface Behaviour<Inputs, Outputs> {
  check(olds: Partial<Inputs>, news: Inputs): Promise<CheckResult<Inputs>>;
  diff(id: string, olds: Outputs, news: Inputs): Promise<DiffResult>;
  create(inputs: Inputs): Promise<CreateResult<Outputs>>;
  read(id: string, props?: Outputs): Promise<ReadResult<Outputs>>;
  update(id: string, olds: Outputs, news: Inputs): Promise<UpdateResult<Outputs>>;
  delete(id: string, props: Outputs): Promise<void>;
}

/**
 * The behaviour over plain bags. The engine hands over what `check` validated against the
 * contract (and state the behaviour itself wrote), so from here on they are the resource's shapes.
 */
function overPlainBags<Inputs, Outputs>(
  behaviour: Behaviour<Inputs, Outputs>,
  extras: Pick<ResourceType, "secretInputs"> & { importedInputs(outputs: Outputs): Props },
): ResourceType {
  const inputs = (bag: Props) => bag as unknown as Inputs;
  const outputs = (bag: Props) => bag as unknown as Outputs;
  const bag = <T>(value: T | undefined) => (value ?? {}) as unknown as Props;
  return {
    secretInputs: extras.secretInputs,
    check: async (olds, news) => {
      const result = await behaviour.check(inputs(olds), inputs(news));
      return {
        inputs: result.inputs === undefined ? news : bag(result.inputs),
        failures: result.failures ?? [],
      };
    },
    diff: (id, olds, news) => behaviour.diff(id, outputs(olds), inputs(news)),
    create: async (news) => {
      const created = await behaviour.create(inputs(news));
      return { id: created.id, outs: bag(created.outs) };
    },
    read: async (id, props) => {
      const found = await behaviour.read(id, props === undefined ? undefined : outputs(props));
      return found.props === undefined
        ? { id: found.id }
        : { id: found.id, props: bag(found.props) };
    },
    update: async (id, olds, news) => ({
      outs: bag((await behaviour.update(id, outputs(olds), inputs(news))).outs),
    }),
    delete: (id, props) => behaviour.delete(id, outputs(props)),
    importedInputs: (props) => extras.importedInputs(outputs(props)),
  };
}

/** Keeps the keys of `from` that are listed and defined. */
function only<T extends object>(from: T, keys: ReadonlyArray<keyof T & string>): Props {
  const source = from as Record<string, unknown>;
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]),
  );
}

const connectionType = overPlainBags<
  ConstantContactConnectionInputs,
  ConstantContactConnectionOutputs
>(
  {
    check: connection.checkConnection,
    diff: connection.diffConnection,
    create: connection.createConnection,
    read: connection.readConnection,
    update: connection.updateConnection,
    delete: connection.deleteConnection,
  },
  {
    secretInputs: ["credentials"],
    // Credentials are write-only in the reconciler: the program supplies them again, and the next
    // `pulumi up` hands them over (the state has no fingerprint of them yet).
    importedInputs: (outputs) => ({
      ...only(outputs, ["name", "displayName", "sharing", "exportUser"]),
      consent: {
        accepted: outputs.consent.accepted,
        statementVersion: outputs.consent.statementVersion,
        acceptedBy: outputs.consent.acceptedBy,
      },
    }),
  },
);

const sourceType = overPlainBags<SegmentSourceInputs, SegmentSourceOutputs>(
  {
    check: segmentSource.checkSource,
    diff: segmentSource.diffSource,
    create: segmentSource.createSource,
    read: segmentSource.readSource,
    update: segmentSource.updateSource,
    delete: segmentSource.deleteSource,
  },
  {
    secretInputs: ["connectionString"],
    // A postgres source's connection string is write-only: the program supplies it again.
    importedInputs: (outputs) => only(outputs, ["name", ...segmentSource.SOURCE_BODY_KEYS]),
  },
);

const exportType = overPlainBags<SegmentExportInputs, SegmentExportOutputs>(
  {
    check: segmentExport.checkExport,
    diff: segmentExport.diffExport,
    create: segmentExport.createExport,
    read: segmentExport.readExport,
    update: segmentExport.updateExport,
    delete: segmentExport.deleteExport,
  },
  {
    secretInputs: [],
    // The stored definition with the API's defaults applied: what the program declares, give or
    // take defaults (which `diff` treats as equal to leaving them out).
    importedInputs: (outputs) => only(outputs, ["name", ...segmentExport.EXPORT_DEFINITION_KEYS]),
  },
);

/** The resource type of each token the plugin serves. */
export const resourceTypes: ReadonlyMap<string, ResourceType> = new Map([
  [TYPE_TOKENS.connection, connectionType],
  [TYPE_TOKENS.source, sourceType],
  [TYPE_TOKENS.export, exportType],
]);
