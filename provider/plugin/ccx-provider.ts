/**
 * The resource plugin's shell: the `Provider` that `@pulumi/pulumi/provider` serves over gRPC.
 * It does for every request what the dynamic provider's resource classes do in the program —
 * default `name` to the resource name, pass the stack and project for the audit log — then calls
 * the same behaviour function, and keeps secrets secret on the way back.
 */
import type * as sdk from "@pulumi/pulumi/provider/index.js";
import { resourceTypes, type ResourceType } from "./resource-types.ts";
import { concealKeys, revealSecrets, secretKeysOf } from "./secrets.ts";
import { parseUrn } from "./urn.ts";

type Props = Record<string, unknown>;

function typeOf(urn: string): ResourceType {
  const { type } = parseUrn(urn);
  const resourceType = resourceTypes.get(type);
  if (resourceType === undefined) throw new Error(`the ccx plugin has no resource type '${type}'`);
  return resourceType;
}

/** Stack and project of the URN, which the reconciler records beside each change. */
function callerOf(urn: string): { stack: string; project: string } {
  const { stack, project } = parseUrn(urn);
  return { stack, project };
}

/** A plain copy of a property bag: secrets unwrapped, nothing left undefined (gRPC has no such). */
function plain(props: unknown): Props {
  const revealed = revealSecrets(props ?? {}) as Props;
  return JSON.parse(JSON.stringify(revealed)) as Props;
}

function withoutCaller(props: Props): Props {
  const { caller: _caller, ...rest } = props;
  return rest;
}

/** The plugin's `Provider`: one behaviour per resource type, called with plain inputs. */
export function createCcxProvider(options: { version: string; schema: string }): sdk.Provider {
  return {
    version: options.version,
    schema: options.schema,

    async check(urn, olds: Props, news: Props) {
      const type = typeOf(urn);
      const inputs = plain(news);
      inputs["name"] ??= parseUrn(urn).name;
      const result = await type.check(plain(olds), { ...inputs, caller: callerOf(urn) });
      // What arrived secret stays secret, and credentials are secret even when passed in clear.
      const secret = new Set([...secretKeysOf(news), ...type.secretInputs]);
      return {
        inputs: concealKeys(plain(withoutCaller(result.inputs)), secret),
        failures: result.failures ?? [],
      };
    },

    async diff(id, urn, olds: Props, news: Props) {
      return typeOf(urn).diff(id, plain(olds), { ...plain(news), caller: callerOf(urn) });
    },

    async create(urn, inputs: Props) {
      const created = await typeOf(urn).create({ ...plain(inputs), caller: callerOf(urn) });
      return { id: created.id, outs: plain(created.outs) };
    },

    async read(id, urn, props?: Props) {
      const type = typeOf(urn);
      const state = plain(props);
      // `pulumi import` reads with no state at all; a refresh reads with the outputs it has.
      const importing = Object.keys(state).length === 0;
      const found = await type.read(id, importing ? undefined : state);
      if (found.id === "" || found.props === undefined) return { id: "", props: {} };
      const outputs = plain(found.props);
      return importing
        ? { id: found.id, props: outputs, inputs: type.importedInputs(outputs) }
        : { id: found.id, props: outputs };
    },

    async update(id, urn, olds: Props, news: Props) {
      const updated = await typeOf(urn).update(id, plain(olds), {
        ...plain(news),
        caller: callerOf(urn),
      });
      return { outs: plain(updated.outs) };
    },

    async delete(id, urn, props: Props) {
      await typeOf(urn).delete(id, plain(props));
    },
  };
}
