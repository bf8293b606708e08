// Whether policy features come from the output the bundle's detector was trained on.

/**
 * True when `source` names another output than `expected` (the bundle's expert features output);
 * an empty source (a publisher that does not say) or no expectation (explicit detector files)
 * is never foreign. The expert's own stream is named `expert:<output>`.
 */
export function isForeignFeatureSource(source: string, expected: string | undefined): boolean {
  return expected !== undefined && source !== '' && source !== expected && source !== `expert:${expected}`;
}
