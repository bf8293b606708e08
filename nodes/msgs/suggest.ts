// "Did you mean ...?" for unknown type names: edit distance, with names that share the type part
// (std_msgs/msg/Time → builtin_interfaces/msg/Time) ranked first.

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1).toLowerCase();
}

/** Up to `limit` candidates close to `input` (case-insensitive), closest first. */
export function closestNames(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = input.toLowerCase();
  const wantedType = lastSegment(input);
  const maxDistance = Math.max(3, Math.floor(wanted.length / 4));
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (lastSegment(name) === wantedType) {
      scored.push({ name, score: distance - 1000 });
    } else if (distance <= maxDistance) {
      scored.push({ name, score: distance });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((entry) => entry.name);
}
