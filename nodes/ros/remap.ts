// A remapping rule as given on the command line (`-r [node:]from:=to`) or in a launch file.
export interface RemapRule {
  /** Only applies to the node with this name (the `node:` prefix), when set. */
  nodeName?: string;
  /** As written: relative, absolute or private (~) name, or `__node` / `__ns` / `__name`. */
  from: string;
  to: string;
}
