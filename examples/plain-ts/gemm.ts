/**
 * Matrix products on row-major Float32Arrays: the one place where the arithmetic is heavy (Dense layers, and
 * Conv2D once its input is laid out as im2col rows). A port replaces these three functions with its runtime's
 * GEMM and keeps everything else.
 *
 * Each computes 4 × 4 output values at a time in local variables (so the hot loop reads 8 numbers per 16
 * multiply-adds and writes nothing), accumulating in float64 (JavaScript numbers) and rounding once to float32
 * when storing. Every output value is summed in the same order whatever the other rows are, so a sample's
 * result does not depend on which samples share its batch.
 */

/** C[m, n] = Σ_k A[m, k] · B[k, n]: A [M, K], B [K, N]. */
export function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, bo = j; p < k; p++, bo += n) {
        const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
        const x0 = a[a0 + p]!, x1 = a[a1 + p]!, x2 = a[a2 + p]!, x3 = a[a3 + p]!;
        c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
        c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
        c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
        c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
      }
      let o = i * n + j;
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += n;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += n;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += n;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
  }
  // The edges: columns past the last full tile in every row, then rows past the last full tile. Same order of summation.
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/** C[m, n] = Σ_k A[m, k] · B[n, k]: A [M, K], B [N, K] (A times B transposed: a layer's input gradient). */
export function matmulTransposedB(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = b[b0 + p]!, y1 = b[b1 + p]!, y2 = b[b2 + p]!, y3 = b[b3 + p]!;
        const x0 = a[a0 + p]!, x1 = a[a1 + p]!, x2 = a[a2 + p]!, x3 = a[a3 + p]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += n;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += n;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += n;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[j * k + p]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Rows of A and B summed per block, so both blocks stay in cache while every 4 × 4 tile of C reads them. */
const ROW_BLOCK = 64;

/** C[m, n] = Σ_r A[r, m] · B[r, n]: A [R, M], B [R, N] (A transposed times B: a layer's weight gradient). */
export function matmulTransposedA(a: Float32Array, b: Float32Array, r: number, m: number, n: number): Float32Array {
  const acc = new Float64Array(m * n);
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let r0 = 0; r0 < r; r0 += ROW_BLOCK) {
    const r1 = Math.min(r, r0 + ROW_BLOCK);
    for (let i = 0; i < m4; i += 4) {
      for (let j = 0; j < n4; j += 4) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = r0, ao = r0 * m + i, bo = r0 * n + j; p < r1; p++, ao += m, bo += n) {
          const x0 = a[ao]!, x1 = a[ao + 1]!, x2 = a[ao + 2]!, x3 = a[ao + 3]!;
          const y0 = b[bo]!, y1 = b[bo + 1]!, y2 = b[bo + 2]!, y3 = b[bo + 3]!;
          c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
          c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
          c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
          c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }
        let o = i * n + j;
        acc[o] += c00; acc[o + 1] += c01; acc[o + 2] += c02; acc[o + 3] += c03; o += n;
        acc[o] += c10; acc[o + 1] += c11; acc[o + 2] += c12; acc[o + 3] += c13; o += n;
        acc[o] += c20; acc[o + 1] += c21; acc[o + 2] += c22; acc[o + 3] += c23; o += n;
        acc[o] += c30; acc[o + 1] += c31; acc[o + 2] += c32; acc[o + 3] += c33;
      }
    }
    for (let i = 0; i < m; i++) {
      for (let j = i < m4 ? n4 : 0; j < n; j++) {
        let s = 0;
        for (let p = r0; p < r1; p++) s += a[p * m + i]! * b[p * n + j]!;
        acc[i * n + j] += s;
      }
    }
  }
  return Float32Array.from(acc);
}
