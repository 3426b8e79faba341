/**
 * Named trainable parameters of a model, created once with seeded initialisers. Names (not tfjs's
 * internal variable names) are what weight files store, so a model built again from the same options
 * loads them back in any process.
 */
import * as tf from "@tensorflow/tfjs";

/** An ordered map name → variable. */
export class ParamStore {
  readonly #vars = new Map<string, tf.Variable>();

  /** Registers `variable` under `name` (unique). */
  add(name: string, variable: tf.Variable): tf.Variable {
    if (this.#vars.has(name)) throw new RangeError(`parameter '${name}' defined twice`);
    this.#vars.set(name, variable);
    return variable;
  }

  /** The variable named `name`. */
  get(name: string): tf.Variable {
    const v = this.#vars.get(name);
    if (!v) throw new RangeError(`no parameter '${name}'`);
    return v;
  }

  /** Names in creation order. */
  names(): string[] {
    return [...this.#vars.keys()];
  }

  /** Variables in creation order (what the trainer optimises). */
  list(): tf.Variable[] {
    return [...this.#vars.values()];
  }

  /** Number of scalar parameters. */
  size(): number {
    return this.list().reduce((a, v) => a + v.size, 0);
  }

  /** Frees every variable. */
  dispose(): void {
    this.#vars.forEach((v) => v.dispose());
    this.#vars.clear();
  }
}
