import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { modelWeightSpecs, resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../../src/onnx/export.js';
import { ARCHITECTURE_KEY, IR_VERSION_OF_OPSET, onnx } from '../../../src/onnx/proto.js';
import { getRecipe, NOTEBOOK_RECIPES, type InputPrep } from '../../../src/recipes/index.js';
import { sizeOf, type F32Tensor } from '../../../src/tensor.js';
import { contract, seed, type SeedId } from '../../../src/harness/claims.js';
import { suiteSpecs } from '../../../src/harness/spec.js';
import { referenceSample } from '../../../src/reference/keras-float64.js';
import { distinctWeights, EVERY_OPTION, sampleInputs } from '../../support/onnx-fixtures.js';

const spec = suiteSpecs(import.meta.url);

/**
 * The ONNX export, judged by onnxruntime and by a float64 forward pass written here from the Keras
 * definitions alone (row-major NHWC tensors, Flatten = the data in memory order). The reference shares
 * no code with the export, so it pins the channels-last handling — the transposes around Conv, the
 * kernel permutation, the order Flatten leaves values in — independently of any runtime.
 */

/** Each notebook's output layer, as its text defines it. */
const OUTPUT_LINE: Record<(typeof NOTEBOOK_RECIPES)[number], [SeedId, string]> = {
  '000': ['000', "model.add(Dense(nb_classes, activation='softmax'))"],
  '001': ['001', "model.add(Dense(num_classes, activation='softmax'))"],
  '002': ['002', "out = Dense(num_classes, activation='softmax')(hidden_2)"],
  '003': ['003', "model.add(layers.Dense(num_of_classes, activation='softmax'))"],
  '004-mlp': ['004', "model.add ( Activation('softmax'))"],
  '004-cnn': ['004', "model_cnn.add(Activation('softmax'))"],
};

async function run(bytes: Uint8Array, x: F32Tensor): Promise<F32Tensor> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = (await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x.data, x.shape) }))[OUTPUT_NAME]!;
    return { shape: out.dims.map(Number), data: out.data as Float32Array };
  } finally {
    await session.release();
  }
}

// The float64 reference forward pass is src/reference/keras-float64.ts: Keras definitions only, no runtime.

// ---- the cases ----

interface Case {
  params: { recipe: string } | { arch: string };
  arch: Architecture;
  prep: InputPrep;
  claim: ReturnType<typeof seed>;
}
const CASES: Case[] = [
  ...NOTEBOOK_RECIPES.map((id) => ({
    params: { recipe: id },
    arch: getRecipe(id).arch,
    prep: getRecipe(id).input,
    claim: seed(...OUTPUT_LINE[id]),
  })),
  {
    params: { arch: 'every-option' },
    arch: EVERY_OPTION,
    prep: 'image-channels-scaled',
    claim: contract(
      'ONNX operator spec: Conv, auto_pad',
      'In case the padding is an odd number, the extra padding is added at the end for SAME_UPPER and at the beginning for SAME_LOWER.',
    ),
  },
];

const N = 4;

for (const c of CASES) {
  const resolved = resolveArchitecture(c.arch);
  const weights = distinctWeights(resolved, 7);
  const x = sampleInputs(resolved.inputShape, N, c.prep, 11);
  const classes = sizeOf(resolved.outputShape);

  spec({ name: 'loads-in-onnxruntime', params: c.params, claim: c.claim }, async (ctx) => {
    const p = await run(exportOnnx(c.arch, weights), x);
    expect(p.shape).toEqual([N, classes]);
    const sums = Array.from({ length: N }, (_, i) => p.data.subarray(i * classes, (i + 1) * classes).reduce((a, b) => a + b, 0));
    // A float32 softmax row sums to 1 within a few ulps per term.
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    ctx.record({ shape: p.shape, rowSums: sums }, '[n, classes], |Σ row − 1| < 1e-5');
  });

  spec(
    {
      name: 'graph',
      params: c.params,
      claim: contract(
        'ONNX operator spec: Dropout',
        'to convert the trained model into inference mode, the user can simply not pass `training_mode` input or set it to false.',
      ),
    },
    (ctx) => {
      // As plain data (int64 as numbers, defaults filled in): the test reads the file, not our types.
      const model = onnx.ModelProto.toObject(onnx.ModelProto.decode(exportOnnx(c.arch, weights)), { longs: Number, defaults: true });
      type Node = { opType: string; name: string; attribute: { ints: number[] }[] };
      const g = model.graph as {
        node: Node[];
        initializer: { name: string; dataType: number }[];
        input: { name: string; type: { tensorType: { shape: { dim: unknown } } } }[];
        output: { name: string }[];
      };
      const ops = g.node.map((n) => n.opType);
      // Inference graph: Dropout is dropped, not exported with training_mode.
      expect(ops).not.toContain('Dropout');
      // Every NCHW operator sits between NHWC→NCHW and NCHW→NHWC transposes of its own layer.
      g.node.forEach((n, i) => {
        if (!['Conv', 'MaxPool'].includes(n.opType) && !(n.opType === 'BatchNormalization' && g.node[i - 1]?.opType === 'Transpose')) return;
        const layer = n.name.split('/')[0];
        const [before, after] = [g.node[i - 1]!, g.node[i + 1]!];
        const rank = before.attribute[0]!.ints.length;
        const toFirst = [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, k) => k + 1)];
        const toLast = [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2), 1];
        expect([before.opType, before.name.split('/')[0], before.attribute[0]!.ints]).toEqual(['Transpose', layer, toFirst]);
        expect([after.opType, after.name.split('/')[0], after.attribute[0]!.ints]).toEqual(['Transpose', layer, toLast]);
      });
      // Keras names survive: every weight is an initializer `layer/variable:0`.
      const names = g.initializer.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT).map((t) => t.name);
      expect(names).toEqual(modelWeightSpecs(resolved).map((w) => `${w.layer}/${w.name}:0`));
      const input = (g.input[0]!.type.tensorType.shape.dim as { dimParam: string; dimValue: number }[]).map((d) => d.dimParam || d.dimValue);
      expect([g.input[0]!.name, input]).toEqual([INPUT_NAME, ['N', ...resolved.inputShape]]);
      expect(g.output.map((o) => o.name)).toEqual([OUTPUT_NAME]);
      const meta = (model.metadataProps as { key: string; value: string }[]).find((p) => p.key === ARCHITECTURE_KEY)!;
      expect(JSON.parse(meta.value)).toEqual(c.arch);
      ctx.record(ops.join(' '));
    },
  );

  spec(
    {
      name: 'matches-float64-reference',
      params: c.params,
      claim: 'recipe' in c.params && c.params.recipe === '004-cnn' ? seed('004', 'model_cnn.add(Flatten())') : c.claim,
    },
    async (ctx) => {
      const p = await run(exportOnnx(c.arch, weights), x);
      let worst = 0;
      for (let i = 0; i < N; i++) {
        const want = referenceSample(resolved, weights, x.data.subarray(i * sizeOf(resolved.inputShape), (i + 1) * sizeOf(resolved.inputShape)));
        for (let j = 0; j < classes; j++) worst = Math.max(worst, Math.abs(p.data[i * classes + j]! - want[j]!));
      }
      // Float32 arithmetic against exact: each dot product of K terms carries a relative error of about
      // sqrt(K)·2⁻²⁴ (K ≤ 4608 here), and a softmax output moves by at most a quarter of its logit's
      // error. 1e-5 is onnxruntime's own float tolerance in its ONNX backend tests; the deviations seen
      // are ~1e-7. A layout mistake (Flatten order, kernel permutation, padding side) moves
      // probabilities by 1e-2 or more.
      expect(worst).toBeLessThan(1e-5);
      ctx.record(worst, 'max |onnxruntime − float64| < 1e-5');
    },
  );
}

// Every opset the export offers gives the same graph semantics: 13 is where Softmax became per-axis.
{
  const resolved = resolveArchitecture(EVERY_OPTION);
  const weights = distinctWeights(resolved, 7);
  const x = sampleInputs(resolved.inputShape, N, 'image-channels-scaled', 11);
  for (const opset of Object.keys(IR_VERSION_OF_OPSET).map(Number)) {
    spec(
      {
        name: 'opset',
        params: { opset },
        claim: contract('ONNX operator spec: Softmax-13', 'Softmax(input, axis) = Exp(input) / ReduceSum(Exp(input), axis=axis, keepdims=1)'),
      },
      async (ctx) => {
        const bytes = exportOnnx(EVERY_OPTION, weights, { opset });
        expect(onnx.ModelProto.decode(bytes).opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', opset]]);
        const p = await run(bytes, x);
        const q = await run(exportOnnx(EVERY_OPTION, weights), x);
        expect(Array.from(p.data)).toEqual(Array.from(q.data));
        ctx.record(opset, 'loads in onnxruntime and predicts as the default opset, bit for bit');
      },
    );
  }
}
