import { join } from 'node:path';
import { expect } from 'vitest';
import { compareArgmax, compareClose, runOnnx } from '../../src/golden/compare.js';
import { evaluateOnnx, goldenInput } from '../../src/golden/generate.js';
import { DIGITS_DIR, loadDigits } from '../../src/golden/digits.js';
import { GOLDEN_DIR, INPUT_FILE, MODEL_FILE, verifyFiles } from '../../src/golden/manifest.js';
import { int64, onnx } from '../../src/onnx/proto.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { importOnnx } from '../../src/onnx/import.js';
import { getRecipe } from '../../src/recipes/index.js';
import { contract, seed, type SeedId } from '../../src/harness/claims.js';
import { fullData } from '../../src/harness/data.js';
import { suiteSpecs } from '../../src/harness/spec.js';
import { golden, goldenBound, goldenManifest, GOLDEN_README } from '../support/golden.js';

const spec = suiteSpecs(import.meta.url);

/**
 * golden/: the reference models of the notebooks (npm run golden) with fixed inputs and onnxruntime's
 * outputs, in the ONNX backend-test layout. Every tolerance comes from golden/manifest.json, where each is
 * declared once with its reason (src/golden/tolerances.ts).
 */
const manifest = goldenManifest;
const README = GOLDEN_README;
const ROOT = join(DIGITS_DIR, '..', '..');

/** Each notebook's model.evaluate on the test set, as it wrote it. */
const EVALUATE: Record<SeedId, string> = {
  '000': 'score = model.evaluate(X_test, y_test, verbose=0)',
  '001': 'score = model.evaluate(x_test, y_test, verbose=0)',
  '002': 'model.evaluate(X_test, Y_test, verbose=1)',
  '003': 'score = model.evaluate(x_test, y_test, verbose=0)',
  '004': 'score = model.evaluate(X_test, y_test_ohe)',
};

spec({ name: 'manifest:sha256', claim: contract(README, 'Every file manifest.json lists has the sha256 and size it records.') }, async (ctx) => {
  const files = Object.values(manifest.recipes).flatMap((r) => r.files);
  const problems = [...(await verifyFiles(files, GOLDEN_DIR)), ...(await verifyFiles(manifest.digits.files, ROOT))];
  ctx.record({ files: files.length + manifest.digits.files.length, problems }, 'every sha256 and size as recorded');
  expect(problems).toEqual([]);
  expect(Object.keys(manifest.recipes).length, 'a golden model per notebook recipe').toBe(6);
});

for (const id of Object.keys(manifest.recipes)) {
  const recipe = getRecipe(id);

  spec(
    {
      name: 'input',
      params: { recipe: id },
      claim: contract(README, "input_0.pb is the fixture's digits scaled and shaped as the recipe's notebook feeds its model."),
    },
    async (ctx) => {
      const g = golden(id);
      const digits = await loadDigits();
      const want = goldenInput(id, digits);
      expect(g.input.name).toBe(g.entry.input.name);
      expect(g.input.tensor.shape).toEqual(want.shape);
      expect(Buffer.from(g.input.tensor.data.buffer).equals(Buffer.from(want.data.buffer)), `${INPUT_FILE} holds the digits as ${recipe.input}`).toBe(true);
      // The graph's input is the tensor's name and shape (batch axis symbolic).
      const graph = onnx.ModelProto.decode(g.model).graph!;
      const dims = graph.input![0]!.type!.tensorType!.shape!.dim!;
      expect(graph.input![0]!.name).toBe(g.input.name);
      expect(dims.slice(1).map((d) => int64(d.dimValue))).toEqual(want.shape.slice(1));
      expect(graph.output![0]!.name).toBe(g.output.name);
      ctx.record({ shape: want.shape, prep: recipe.input, max: want.data.reduce((m, v) => Math.max(m, v), 0) }, recipe.input);
    },
  );

  spec({ name: 'onnxruntime', params: { recipe: id }, claim: contract(README, 'onnxruntime on model.onnx reproduces output_0.pb.') }, async (ctx) => {
    const g = golden(id);
    const tol = g.entry.tolerances;
    const got = await runOnnx(g.model, g.input.name, g.output.name, g.input.tensor);
    expect(got.shape).toEqual(g.output.tensor.shape);
    const c = compareClose(got.data, g.output.tensor.data, tol.onnxruntime);
    const a = compareArgmax(got.data, g.output.tensor.data, got.shape[1]!, tol.argmax.minMargin);
    ctx.record({ maxAbs: c.maxAbs, outside: c.outside, argmaxDisagreements: a.disagreements.length, nearTies: a.exempt }, goldenBound(tol.onnxruntime));
    expect(c.outside, `values outside ${goldenBound(tol.onnxruntime)}; worst ${JSON.stringify(c.worst)}`).toBe(0);
    expect(a.disagreements).toEqual([]);
  });

  spec(
    {
      name: 'roundtrip',
      params: { recipe: id },
      claim: contract('src/onnx/export.ts', 'Deterministic: the same architecture and weights give the same bytes.'),
    },
    (ctx) => {
      const g = golden(id);
      const proto = onnx.ModelProto.decode(g.model);
      const back = importOnnx(g.model, `golden/${id}/${MODEL_FILE}`);
      expect(back.arch).toEqual(recipe.arch);
      const opset = int64(proto.opsetImport!.find((o) => !o.domain)!.version);
      // The producer version travels in the bytes: export again as the same producer did.
      const again = exportOnnx(back.arch, back.weights, { opset, producerVersion: proto.producerVersion ?? '' });
      ctx.record({ bytes: g.model.length, opset }, g.entry.tolerances.roundtrip.compare);
      expect(Buffer.from(again).equals(Buffer.from(g.model)), 'export(import(model.onnx)) byte for byte').toBe(true);
    },
  );

  spec(
    {
      name: 'evaluate',
      params: { recipe: id },
      claim: seed(recipe.notebook, EVALUATE[recipe.notebook]),
      needs: { fullData: true },
      timeoutMs: 120_000,
    },
    async (ctx) => {
      const g = golden(id);
      const ev = await evaluateOnnx(g.model, id, await fullData());
      const tol = g.entry.tolerances.evaluation.loss;
      ctx.record(ev, `accuracy exactly ${g.entry.test.accuracy}, loss ${g.entry.test.loss} ${goldenBound(tol)}`);
      expect(ev.samples).toBe(g.entry.test.samples);
      expect(ev.accuracy).toBe(g.entry.test.accuracy);
      expect(Math.abs(ev.loss - g.entry.test.loss)).toBeLessThanOrEqual(tol.atol + tol.rtol * Math.abs(g.entry.test.loss));
    },
  );
}
