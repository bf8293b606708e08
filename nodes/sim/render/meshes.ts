// Unit triangle meshes for the renderer's primitives, built once per kind and resolution and
// cached. A vertex's position in the shape's frame is
//   S ∘ p + L · cap · ẑ
// where S is the per-axis scale (box half sizes; radius, radius, half length for a cylinder; the
// radius for spheres and capsules), L the capsule's half length and `cap` ∈ {−1, 0, +1} says which
// hemisphere a capsule vertex belongs to. Normals are unit vectors in the shape's frame; they stay
// correct under S because every scaled mesh has axis-aligned normals or scales uniformly across them
// (cylinder sides are radial, scaled equally in x and y).
//
// Winding: every triangle is counter-clockwise seen from outside (right-hand rule gives the outward
// normal), which the rasteriser's back-face test relies on. Curved surfaces share vertices along a
// strip so Gouraud shading is smooth; flat faces have their own vertices so they shade flat.

export interface UnitMesh {
  vertexCount: number;
  /** x y z per vertex. */
  position: Float64Array;
  /** Unit outward normal per vertex. */
  normal: Float64Array;
  /** Capsule hemisphere per vertex: +1 top, −1 bottom, 0 otherwise. */
  cap: Float64Array;
  /** Vertex indices, three per triangle. */
  triangles: Uint16Array;
  /** Closed surfaces get back-face culling; open ones (the plane) are drawn from both sides. */
  closed: boolean;
}

/** Segments around the axis for curved shapes; the renderer picks one per shape and frame. */
export const LEVELS = [8, 12, 16, 24, 32, 48] as const;

/**
 * The coarsest level whose chord error r·(1 − cos(π/n)) stays under `maxErrorPx` for a silhouette of
 * `radiusPx` pixels (the largest level beyond that).
 */
export function levelFor(radiusPx: number, maxErrorPx = 0.5): number {
  for (let i = 0; i < LEVELS.length; i++) {
    if (radiusPx * (1 - Math.cos(Math.PI / LEVELS[i])) <= maxErrorPx) return i;
  }
  return LEVELS.length - 1;
}

/** Per level, the largest silhouette radius [px] whose chord error stays within `maxErrorPx`. */
export function levelMaxRadius(maxErrorPx = 0.5): Float64Array {
  return Float64Array.from(LEVELS, (n) => maxErrorPx / (1 - Math.cos(Math.PI / n)));
}

class MeshBuilder {
  private pos: number[] = [];
  private nrm: number[] = [];
  private cap: number[] = [];
  private tri: number[] = [];

  vertex(x: number, y: number, z: number, nx: number, ny: number, nz: number, cap = 0): number {
    this.pos.push(x, y, z);
    this.nrm.push(nx, ny, nz);
    this.cap.push(cap);
    return this.cap.length - 1;
  }

  triangle(a: number, b: number, c: number): void {
    this.tri.push(a, b, c);
  }

  build(closed: boolean): UnitMesh {
    if (this.cap.length > 0xffff) throw new Error('unit mesh too large');
    return {
      vertexCount: this.cap.length,
      position: Float64Array.from(this.pos),
      normal: Float64Array.from(this.nrm),
      cap: Float64Array.from(this.cap),
      triangles: Uint16Array.from(this.tri),
      closed,
    };
  }
}

/** A point of a surface-of-revolution profile about the z axis: radius, height, normal (r, z), cap. */
interface ProfilePoint {
  r: number;
  z: number;
  nr: number;
  nz: number;
  cap: number;
}

/**
 * Revolves each strip (a list of profile points ordered along the outer surface from top to bottom)
 * about z with `segments` steps. Points with r = 0 become a single pole vertex.
 */
function lathe(b: MeshBuilder, strips: ProfilePoint[][], segments: number): void {
  for (const strip of strips) {
    const rings: number[][] = strip.map((p) => {
      if (p.r === 0) {
        const v = b.vertex(0, 0, p.z, 0, 0, Math.sign(p.nz), p.cap);
        return Array.from({ length: segments }, () => v);
      }
      return Array.from({ length: segments }, (_, j) => {
        const phi = (2 * Math.PI * j) / segments;
        const c = Math.cos(phi);
        const s = Math.sin(phi);
        return b.vertex(p.r * c, p.r * s, p.z, p.nr * c, p.nr * s, p.nz, p.cap);
      });
    });
    for (let i = 0; i + 1 < strip.length; i++) {
      const a = rings[i];
      const c = rings[i + 1];
      const aPole = strip[i].r === 0;
      const cPole = strip[i + 1].r === 0;
      for (let j = 0; j < segments; j++) {
        const k = (j + 1) % segments;
        if (!cPole) b.triangle(a[j], c[j], c[k]);
        if (!aPole) b.triangle(a[j], c[k], a[k]);
      }
    }
  }
}

/** Unit sphere (radius 1), `segments` around, segments/2 from pole to pole. */
function sphere(segments: number, capsule: boolean): UnitMesh {
  const b = new MeshBuilder();
  const half = segments / 2;
  const strip: ProfilePoint[] = [];
  // From the north pole (θ = 0) down to the south pole (θ = π). A capsule repeats the equator:
  // the top copy belongs to the upper hemisphere, the bottom copy to the lower one, and the band
  // between them is the cylindrical body (radial normals, smooth with both caps).
  for (let i = 0; i <= half; i++) {
    const th = (Math.PI * i) / half;
    const r = i === 0 || i === half ? 0 : Math.sin(th);
    const z = Math.cos(th);
    const eq = i === half / 2;
    const pt = { r, z: eq ? 0 : z, nr: r, nz: eq ? 0 : z };
    if (capsule && eq) {
      strip.push({ ...pt, r: 1, nr: 1, cap: 1 }, { ...pt, r: 1, nr: 1, cap: -1 });
    } else {
      strip.push({ ...pt, cap: capsule ? (i < half / 2 ? 1 : -1) : 0 });
    }
  }
  lathe(b, [strip], segments);
  return b.build(true);
}

/** Unit cylinder: radius 1, z from −1 to 1, flat caps. */
function cylinder(segments: number): UnitMesh {
  const b = new MeshBuilder();
  const p = (r: number, z: number, nr: number, nz: number): ProfilePoint => ({ r, z, nr, nz, cap: 0 });
  lathe(
    b,
    [
      [p(0, 1, 0, 1), p(1, 1, 0, 1)],
      [p(1, 1, 1, 0), p(1, -1, 1, 0)],
      [p(1, -1, 0, -1), p(0, -1, 0, -1)],
    ],
    segments,
  );
  return b.build(true);
}

/** One quad face: centre n, tangents t1 × t2 = n, corners n ± t1 ± t2 counter-clockwise about n. */
function face(
  b: MeshBuilder,
  n: [number, number, number],
  t1: [number, number, number],
  t2: [number, number, number],
  depth: number,
): void {
  const corner = (s1: number, s2: number) =>
    b.vertex(
      n[0] * depth + s1 * t1[0] + s2 * t2[0],
      n[1] * depth + s1 * t1[1] + s2 * t2[1],
      n[2] * depth + s1 * t1[2] + s2 * t2[2],
      n[0],
      n[1],
      n[2],
    );
  const v0 = corner(-1, -1);
  const v1 = corner(1, -1);
  const v2 = corner(1, 1);
  const v3 = corner(-1, 1);
  b.triangle(v0, v1, v2);
  b.triangle(v0, v2, v3);
}

/** Unit cube: corners at ±1. */
function box(): UnitMesh {
  const b = new MeshBuilder();
  face(b, [1, 0, 0], [0, 1, 0], [0, 0, 1], 1);
  face(b, [-1, 0, 0], [0, 0, 1], [0, 1, 0], 1);
  face(b, [0, 1, 0], [0, 0, 1], [1, 0, 0], 1);
  face(b, [0, -1, 0], [1, 0, 0], [0, 0, 1], 1);
  face(b, [0, 0, 1], [1, 0, 0], [0, 1, 0], 1);
  face(b, [0, 0, -1], [0, 1, 0], [1, 0, 0], 1);
  return b.build(true);
}

/** Unit square in the x-y plane (corners at ±1), facing +z, drawn from both sides. */
function plane(): UnitMesh {
  const b = new MeshBuilder();
  face(b, [0, 0, 1], [1, 0, 0], [0, 1, 0], 0);
  return b.build(false);
}

export type MeshKind = 'box' | 'sphere' | 'capsule' | 'cylinder' | 'plane';

const cache = new Map<MeshKind, (UnitMesh | undefined)[]>();

/** The cached unit mesh of a kind at a level (an index into LEVELS; ignored for box and plane). */
export function unitMesh(kind: MeshKind, level: number): UnitMesh {
  if (kind === 'box' || kind === 'plane') level = 0;
  if (!(level >= 0 && level < LEVELS.length && Number.isInteger(level))) throw new RangeError(`no mesh level ${level}`);
  let levels = cache.get(kind);
  if (levels === undefined) {
    levels = LEVELS.map(() => undefined);
    cache.set(kind, levels);
  }
  let m = levels[level];
  if (m === undefined) {
    const n = LEVELS[level];
    m = kind === 'box' ? box() : kind === 'plane' ? plane() : kind === 'cylinder' ? cylinder(n) : sphere(n, kind === 'capsule');
    levels[level] = m;
  }
  return m;
}
