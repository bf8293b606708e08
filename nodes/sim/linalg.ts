// Small dense linear algebra for the 1 kHz control law: allocation-free on the hot path
// (callers own the buffers), row-major matrices.

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations: A = V·diag(w)·Vᵀ.
 * `a` is destroyed; `v` receives the eigenvectors as columns, `w` the eigenvalues. Exact to
 * round-off for the 6×6 matrices used here in a handful of sweeps, and unconditionally stable
 * (no pivoting, no square roots of negative numbers), which is what a controller needs near
 * singular configurations.
 */
export function symmetricEigen(a: Float64Array, n: number, v: Float64Array, w: Float64Array, maxSweeps = 30): void {
  v.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] * a[p * n + p];
      for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) w[i] = a[i * n + i];
}

/**
 * The damped pseudo-inverse CRISP uses (pseudo_inverse.hpp): J⁺ = V·diag(σ/(σ² + ε²))·Uᵀ for
 * J = U·Σ·Vᵀ, computed as J⁺ = Jᵀ·U·diag(1/(σ² + ε²))·Uᵀ from the eigen-decomposition of
 * J·Jᵀ = U·Σ²·Uᵀ (the same matrix). J is m×n (m ≤ 6); out is n×m.
 */
export class DampedPseudoInverse {
  private readonly jjt: Float64Array;
  private readonly u: Float64Array;
  private readonly s2: Float64Array;
  private readonly inner: Float64Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.jjt = new Float64Array(rows * rows);
    this.u = new Float64Array(rows * rows);
    this.s2 = new Float64Array(rows);
    this.inner = new Float64Array(rows * rows);
  }

  compute(J: Float64Array, epsilon: number, out: Float64Array): Float64Array {
    const m = this.rows;
    const n = this.cols;
    const A = this.jjt;
    for (let r = 0; r < m; r++) {
      for (let c = r; c < m; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += J[r * n + k] * J[c * n + k];
        A[r * m + c] = s;
        A[c * m + r] = s;
      }
    }
    symmetricEigen(A, m, this.u, this.s2);
    // inner = U·diag(1/(σ² + ε²))·Uᵀ (eigenvalues of JJᵀ are σ² ≥ 0; round-off may make them −0).
    const e2 = epsilon * epsilon;
    const U = this.u;
    for (let r = 0; r < m; r++) {
      for (let c = r; c < m; c++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += (U[r * m + k] * U[c * m + k]) / (Math.max(this.s2[k], 0) + e2);
        this.inner[r * m + c] = s;
        this.inner[c * m + r] = s;
      }
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < m; c++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += J[k * n + i] * this.inner[k * m + c];
        out[i * m + c] = s;
      }
    }
    return out;
  }
}
