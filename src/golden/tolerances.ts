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
