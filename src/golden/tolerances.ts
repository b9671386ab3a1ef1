import type { Closeness, GoldenTolerances } from './manifest.js';

/**
 * The tolerances the golden specs hold outputs to, declared once here, written into golden/manifest.json
 * with their reasons, and read back from there by the specs (spec/suite/golden.spec.ts, spec/conformance/golden/). Outputs are softmax
 * probabilities in [0, 1]; float32's unit roundoff is 6e-8.
 */

/**
 * onnxruntime re-running model.onnx: on this machine it reproduces output_0.pb bit for bit; elsewhere its
 * CPU kernels (MLAS) pick other SIMD paths (SSE/AVX2/AVX-512/NEON) and block the dot products differently.
 */
const ONNXRUNTIME: Closeness = {
  rtol: 1e-4,
  atol: 1e-6,
  reason:
    'onnxruntime is bitwise reproducible on one machine; across CPUs its kernels sum the 784/512-term dot products in a different ' +
    'order (SIMD width, blocking), moving each float32 logit by a few ulps of the largest partial sum: relative error well under 1e-4 ' +
    'in a probability, and probabilities below 1e-6 may move by their whole size',
};

/** Another implementation's own kernels, given the same float32 weights. */
const IMPLEMENTATIONS: Closeness = {
  rtol: 1e-3,
  atol: 1e-5,
  reason:
    'implementations (TF.js wasm/XNNPACK, onnxruntime MLAS, the engine) each sum in their own order and may fuse or reassociate, ' +
    'and exp/log differ by an ulp or two between math libraries; float32 logits then agree to ~1e-5 relative and softmax ' +
    'propagates that. Measured on the golden inputs: tfjs and the engine differ from onnxruntime by at most 1.4e-6 absolute ' +
    '(tfjs, 004-cnn) and 9e-7 on the MLPs, so 1e-5 absolute / 1e-3 relative leaves a margin of about 7x for other runtimes',
};

const ARGMAX = {
  minMargin: 1e-3,
  reason:
    'a predicted class may only change where the stored top-two probabilities are within the output tolerance of each other; ' +
    'rows whose margin is below 1e-3 are near ties (exempt and counted), every other row must predict the stored class',
};

const EVALUATION_LOSS: Closeness = {
  rtol: 1e-6,
  atol: 1e-7,
  reason: 'the mean of 10,000 per-sample losses is summed in float64 by the suite; what varies is only the onnxruntime rounding above',
};

/** The same for every recipe: what differs between runtimes is float32 rounding, not the model. */
export const GOLDEN_TOLERANCES: GoldenTolerances = {
  onnxruntime: ONNXRUNTIME,
  implementations: IMPLEMENTATIONS,
  argmax: ARGMAX,
  evaluation: {
    accuracy: 'exact',
    loss: EVALUATION_LOSS,
    reason: 'onnxruntime on model.onnx is what the manifest recorded: every predicted class is the same, so the accuracy is exact',
  },
  roundtrip: {
    compare: 'bytes',
    reason:
      'export is deterministic and import recovers the architecture (embedded JSON) and every weight bit, so exporting what was ' +
      'imported, with the same opset and producer version, gives the same bytes',
  },
};

/**
 * Precision profiles: the tolerances of the inference specs (forward pass, golden outputs, predict, evaluation) for
 * an implementation that computes in float32, and for one that stores its intermediates in float16. A spec applies
 * the profile of the precision the implementation declares (ImplementationInfo.precision, absent = float32; see
 * src/harness/precision.ts); a float32 implementation is never judged with the float16 profile, and the report says
 * which profile judged it. Each number is derived from its precision's unit roundoff, and the reason says how.
 *
 * Training specs (optimizer steps against a float64 reference, batch-norm statistics, finite differences) have no
 * float16 profile: Keras trains in float32 and that is what the notebooks claim, so every precision is held to the
 * training specs' own float32 bounds, and a float16 backend that cannot train to them fails them, saying by how much.
 */
export interface Tolerance {
  value: number;
  reason: string;
}

export interface PrecisionProfile {
  precision: 'float32' | 'float16';
  /** What the profile assumes about the arithmetic, in one line (shown on a report's first screen). */
  summary: string;
  /** Unit roundoff of the storage format: 2⁻²⁴ for float32, 2⁻¹¹ for float16. */
  unitRoundoff: number;
  /** inference:forward:* with inputs scaled to [0, 1]: max |p − p_keras(float64)|. */
  forward: Tolerance;
  /** inference:forward:* fed 0–255 pixels (seed 000 and 004's sigmoid MLP unscaled). */
  forwardUnscaled: Tolerance;
  /** golden:inference:*: every value against output_0.pb (numpy.allclose), and where a predicted class may change. */
  golden: Closeness;
  argmaxMinMargin: Tolerance;
  /** model:predict:probabilities:*: |Σ row − 1|. */
  probabilitySum: Tolerance;
  /** model:predict:batch-size-invariant:*: max |Δp| between batchings. */
  batchInvariance: Tolerance;
  /** inference:evaluate:*: given trained weights on the test set, against the float64 Keras reference. */
  evaluationChangedShare: Tolerance;
  evaluationAccuracy: Tolerance;
  evaluationLoss: Tolerance;
  /** keras:real-weights:*: against what Keras printed (accuracy: how far it may move from Keras's printed accuracy). */
  kerasAccuracy: Tolerance;
  kerasLoss: Tolerance;
  /** Where a failing forward/golden spec locates the first diverging layer: |Δ| of an intermediate output relative to max(1, its size). */
  layerRelative: Tolerance;
}

/** float32's unit roundoff, 2⁻²⁴ ≈ 6.0e-8. */
const U32 = 2 ** -24;
/** float16's unit roundoff, 2⁻¹¹ ≈ 4.9e-4: 8,192 times float32's. */
const U16 = 2 ** -11;

const FLOAT32: PrecisionProfile = {
  precision: 'float32',
  summary: 'IEEE float32 throughout (unit roundoff 2⁻²⁴ ≈ 6e-8): what Keras computes in',
  unitRoundoff: U32,
  forward: {
    value: 1e-5,
    reason:
      'float32 against float64: a dot product of K ≤ 4608 terms carries a relative rounding error of about sqrt(K)·2⁻²⁴ ≈ 4e-6 ' +
      'of its magnitude; a softmax output moves by at most a quarter of its logit\'s error, and the last layer is tempered so ' +
      'no softmax saturates. Probabilities agree to ~1e-6 (observed ≤ 1.1e-6 for tfjs/wasm, ≤ 3.5e-7 for onnxruntime and the ' +
      'minimal adapter), so 1e-5 holds them with room. A layer computed wrong moves probabilities by 1e-2 or more; a ' +
      'batch-norm ε of 1e-5 instead of Keras\'s 1e-3 by ~1e-3',
  },
  forwardUnscaled: {
    value: 1e-4,
    reason: 'seed 000 feeds unscaled 0..255 pixels: hidden activations ~255× larger, so ~255× the rounding (observed ≤ 1.1e-6)',
  },
  golden: IMPLEMENTATIONS,
  argmaxMinMargin: { value: ARGMAX.minMargin, reason: ARGMAX.reason },
  probabilitySum: {
    value: 1e-5,
    reason:
      'a softmax row sums to 1 up to float32 rounding: ten exponentials and a division each rounded to 2⁻²⁴ relative put the ' +
      'sum within ~1e-6 of 1; 1e-5 leaves room for a runtime\'s fast exp and still catches a missing softmax or a softmax ' +
      'over the wrong axis',
  },
  batchInvariance: {
    value: 1e-6,
    reason:
      'batch size changes which samples share a matrix product, not any sample\'s own arithmetic, but a runtime may block ' +
      'its accumulation differently per batch shape: a few float32 ulps of a probability',
  },
  evaluationChangedShare: {
    value: 0.001,
    reason:
      'float32 runtimes agree with the float64 reference to ~1e-7 in probability, so a predicted class can only differ where ' +
      'two classes tie to that precision: at most 1 sample in 1,000 (observed: 0)',
  },
  evaluationAccuracy: { value: 0.001, reason: 'follows from the changed classes: at most 0.001 of accuracy' },
  evaluationLoss: { value: 1e-4, reason: 'probabilities ~1e-7 apart move the mean loss by well under 1e-4 (observed |Δloss| < 1e-6)' },
  kerasAccuracy: { value: 0, reason: 'a count of argmaxes: no prediction of the 10,000 may change (Keras printed 0.9831)' },
  kerasLoss: {
    value: 1e-5,
    reason:
      'Keras printed the mean of its float32 per-batch losses (TF 1.x, batches of 32); we average float64 per-row losses of ' +
      'float32 probabilities computed by another runtime\'s kernels. The two differ in summation order and float32 rounding ' +
      'of ~1e-7 per probability, which moves a mean loss of 0.116 by well under 1e-5 (measured on tfjs, onnxruntime and ' +
      'engine: |Δ| ≤ 1.4e-8)',
  },
  layerRelative: {
    value: 1e-4,
    reason:
      'float32 accumulation over K ≤ 4608 terms errs by about sqrt(K)·2⁻²⁴ ≈ 4e-6 of the magnitude: 1e-4 of max(1, max |reference|) ' +
      'is twenty-five times that, and far below what a wrong layer does (1e-2 and more)',
  },
};

/** Placeholder: calibrated below from the float16 error model (see each reason). */
const FLOAT16: PrecisionProfile = {
  precision: 'float16',
  summary: 'every intermediate (activations and weights) stored in IEEE float16 (unit roundoff 2⁻¹¹ ≈ 4.9e-4), arithmetic in float32 or better',
  unitRoundoff: U16,
  forward: { value: 1e-2, reason: 'TODO' },
  forwardUnscaled: { value: 1e-2, reason: 'TODO' },
  golden: { rtol: 1e-2, atol: 5e-3, reason: 'TODO' },
  argmaxMinMargin: { value: 1e-2, reason: 'TODO' },
  probabilitySum: { value: 2e-3, reason: 'TODO' },
  batchInvariance: { value: 1e-3, reason: 'TODO' },
  evaluationChangedShare: { value: 0.005, reason: 'TODO' },
  evaluationAccuracy: { value: 0.005, reason: 'TODO' },
  evaluationLoss: { value: 1e-3, reason: 'TODO' },
  kerasAccuracy: { value: 0.001, reason: 'TODO' },
  kerasLoss: { value: 1e-3, reason: 'TODO' },
  layerRelative: { value: 1e-2, reason: 'TODO' },
};

export const PRECISION_PROFILES: Readonly<Record<PrecisionProfile['precision'], PrecisionProfile>> = { float32: FLOAT32, float16: FLOAT16 };
