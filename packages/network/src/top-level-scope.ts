import { DuplicateNameError, type Layer, NameScope } from '@strata/core';

/**
 * The context in which *top-level* Networks (those not tracked by another
 * Network) get unique names: the seed's "no other 'top-level' Networks may
 * share this name" (seeds 000–002, `__init__(name)`).
 *
 * TensorFlow keeps these names in the default graph, i.e. one set per
 * process. Strata's naming contract (ARCHITECTURE.md) keeps every counter in
 * a parent, never global to the process, so the top-level context is an
 * object you create and hand to the networks that share it (typically the
 * networks trained and saved together):
 *
 * ```ts
 * const scope = new TopLevelScope();
 * const a = new MyNetwork({ topLevel: scope });
 * const b = new MyNetwork({ topLevel: scope });
 * a.apply(x); b.apply(x);   // a.name === 'my_network', b.name === 'my_network_1'
 * ```
 *
 * A Network without a `topLevel` scope is alone in its own: an anonymous one
 * is named after its class at once (`my_network`), and no other network can
 * clash with it, as no variable collection is shared between top-level
 * networks in Strata.
 */
export class TopLevelScope {
  private readonly names = new NameScope();
  private readonly owners = new Map<string, Layer>();

  /** The names claimed so far, in claiming order. */
  get claimed(): string[] {
    return [...this.owners.keys()];
  }

  /** The network that claimed `name`, if any. */
  owner(name: string): Layer | undefined {
    return this.owners.get(name);
  }

  /**
   * Claims a name for `network` when it is first called/built at top level:
   * an explicit name as given, an anonymous one as `base`, `base_1`, ... (the
   * first free one). Returns the name.
   * @throws DuplicateNameError if the explicit name is already claimed, naming both networks.
   */
  claim(network: Layer, explicit: string | undefined, base: string): string {
    if (explicit !== undefined) {
      const other = this.owners.get(explicit);
      if (other !== undefined && other !== network) {
        throw new DuplicateNameError(
          `A top-level Network named '${explicit}' already exists in this TopLevelScope ` +
            `(${other.constructor.name}); ${network.constructor.name} cannot use the name too. ` +
            `Give it another name, omit the name to get a unique default, or use another TopLevelScope.`,
        );
      }
      this.names.reserve(explicit);
      this.owners.set(explicit, network);
      return explicit;
    }
    const name = this.names.unique(base);
    this.owners.set(name, network);
    return name;
  }
}
