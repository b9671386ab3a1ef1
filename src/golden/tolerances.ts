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
      'no softmax saturates. Probabilities agree to ~1e-6 (observed ≤ 1.1e-6 for tfjs/wasm, ≤ 3.5e-7 for onnxruntime), so ' +
      '1e-5 holds them with room. A layer computed wrong moves probabilities by 1e-2 or more; a ' +
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

/**
 * float16 storage (TF.js WebGL on float16 textures: every weight and intermediate rounded to float16 between shader
 * passes, each pass computing in float32 or, on a mediump GPU, less). The model of error: each stored layer adds up to
 * u = 2⁻¹¹ relative (its weights and inputs rounded), so over the ≤ 5 weighted layers of these nets the logits carry
 * about 2·5·u ≈ 5e-3 of their size. Measured on TF.js 4.22 WebGL told to use float16 textures (SwiftShader, Chromium
 * 156; reports/tfjs-webgl-f16): every value inside its bound by a factor of 2.7 or more.
 */
const FLOAT16: PrecisionProfile = {
  precision: 'float16',
  summary: 'weights and every intermediate stored in IEEE float16 (unit roundoff u = 2⁻¹¹ ≈ 4.9e-4), arithmetic in float32 or less between stores',
  unitRoundoff: U16,
  forward: {
    value: 5e-3,
    reason:
      'each stored layer adds up to u = 4.9e-4 relative (weights and activations rounded to float16, sums accumulated in ' +
      'float32): over ≤ 5 weighted layers the logits carry ~2·5·u ≈ 5e-3 of their size, and on the tempered logits (|z| ≲ 2, ' +
      'no softmax saturated) a probability moves by at most half its logits\' error. Measured ≤ 1.2e-3 (seed 000\'s net). ' +
      'A layer computed wrong still shows (1e-2 and more); an error the size of a batch-norm ε (~1e-3) does not: ' +
      'float16 cannot tell it from rounding',
  },
  forwardUnscaled: {
    value: 5e-3,
    reason:
      'floating-point rounding is relative: activations ~255× larger carry the same relative error in float16, and the ' +
      'tempered last layer keeps the logits\' size, so the scaled bound holds (measured ≤ 2.4e-4 on seed 004\'s sigmoid MLP ' +
      'fed 0–255, 1.2e-3 on seed 000\'s). float16\'s range (65,504) holds these activations',
  },
  golden: {
    atol: 5e-3,
    rtol: 1e-2,
    reason:
      'the golden models are trained, not tempered: their probabilities mostly saturate, where p(1−p)·2|Δz| is small, and ' +
      'move most near ties, held by the forward bound (5e-3 absolute); a small probability carries a relative error of ' +
      'about 2|Δz| plus the rounding of its exponential, its sum and the quotient (3u), so 1e-2 relative (~20u) on top. ' +
      'Measured: max |Δ| 1.8e-3 (004-cnn), no value outside',
  },
  argmaxMinMargin: {
    value: 1e-2,
    reason: 'a predicted class may change only where the top-two probabilities are within twice the output bound (2 × 5e-3) of each other',
  },
  probabilitySum: {
    value: 2e-3,
    reason:
      'the softmax\'s exponentials, their sum and each quotient are each rounded to u relative, so each probability is within ' +
      '3u of its value and the row sum within 3u ≈ 1.5e-3 of 1; 2e-3 (4u) leaves room for exp itself, and still catches a ' +
      'missing softmax or one over the wrong axis (sums far from 1). Measured: 4.9e-4 (one float16 ulp below 1)',
  },
  batchInvariance: {
    value: 1e-3,
    reason: 'batching changes no sample\'s arithmetic; a backend that lays out textures per batch shape may round a probability differently, by ≤ 2u ≈ 1e-3. Measured: 0',
  },
  evaluationChangedShare: {
    value: 0.005,
    reason:
      'a class may change only at a near tie (top-two margin below 1e-2, the argmax margin): at most 5 in 1,000 of the test ' +
      'samples of a ~95% MLP sit that close (measured: 0 changed of 10,000)',
  },
  evaluationAccuracy: { value: 0.005, reason: 'follows from the changed classes: at most 0.005 of accuracy' },
  evaluationLoss: {
    value: 1e-3,
    reason:
      'a confident probability near 1 is stored to within u/2 (its loss −log p moves by as much, and the rounding may lean one ' +
      'way over many samples), a smaller one to within ~2|Δz| relative: the mean loss moves by ~2u ≈ 1e-3 at most ' +
      '(measured 5.8e-5 on the embedded test split)',
  },
  kerasAccuracy: { value: 0.001, reason: 'at most 10 of 10,000 predictions may change, at near ties (measured: none)' },
  kerasLoss: { value: 1e-3, reason: 'as evaluationLoss: float16 probabilities move a mean loss by ≲ 2u ≈ 1e-3 (measured |Δ| 1.6e-5, beyond float32\'s 1e-5)' },
  layerRelative: {
    value: 1e-2,
    reason: 'an intermediate output stored in float16 after k layers is ~2k·u ≤ 5e-3 of its size from the float64 reference: 1e-2 of max(1, max |reference|) marks a layer that departs beyond rounding',
  },
};

export const PRECISION_PROFILES: Readonly<Record<PrecisionProfile['precision'], PrecisionProfile>> = { float32: FLOAT32, float16: FLOAT16 };
