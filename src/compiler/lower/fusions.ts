/** What the lowering folded into other dispatches: IR nodes that need no dispatch of their own. */
export interface Fusions {
  /** Node ids whose work another node's kernel already does. */
  absorbed: Set<number>;
}
