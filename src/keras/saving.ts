import { modelWeightSpecs, resolveArchitecture } from '../arch/resolve.js';
import type { Architecture } from '../arch/types.js';
import { ArgumentError, DataFormatError } from '../errors.js';
import type { ImportedModel } from '../onnx/import.js';
import { shapeString, sizeOf, type F32Tensor } from '../tensor.js';
import { architectureFromKerasConfig } from './config.js';
import { h5Get, readHdf5, type H5Attribute, type H5Group, type H5Value, type ReadHdf5Options } from './hdf5.js';

/**
 * Keras 2's HDF5 files, as `model.save_weights(path)` and `model.save(path)` write them (Keras 2.2
 * keras/engine/saving.py, `save_weights_to_hdf5_group` / `load_weights_from_hdf5_group`):
 *
 *   weights file            /  attrs layer_names [S], backend, keras_version
 *                           /<layer>  attrs weight_names [S] (empty for a layer without weights)
 *                           /<layer>/<layer>/kernel:0, bias:0, gamma:0, beta:0, moving_mean:0, moving_variance:0
 *   full model (model.save) /  attrs model_config (JSON), training_config, backend, keras_version
 *                           /model_weights  the weights-file layout above
 *                           /optimizer_weights (ignored)
 *
 * Names are byte strings (fixed-length under Python 3, variable-length under Python 2), decoded as UTF-8.
 * An attribute over HDF5's 64 KB header limit is split by Keras into `<name>0`, `<name>1`, ….
 */
export interface KerasWeightsLayer {
  name: string;
  /** The layer's group in the file: `dense_1`, or `model_weights/dense_1` in a full model. */
  path: string;
  /** In the file's weight_names order (Keras get_weights order for the layer), Keras layout; `path` is the dataset's. */
  weights: { name: string; path: string; tensor: F32Tensor }[];
}

export interface KerasH5 {
  file: string;
  kerasVersion?: string;
  backend?: string;
  /** From `model_config` (files written by model.save); absent in a weights-only file. */
  arch?: Architecture;
  /** The layers of layer_names that own weights, in file order. */
  layers: KerasWeightsLayer[];
}

const str = (v: H5Value | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** A root attribute as a string (backend, keras_version), when it is one. */
function stringAttr(group: H5Group, name: string): string | undefined {
  return str(group.attrs[name]?.value);
}

/**
 * Keras `load_attributes_from_hdf5_group`: a list of names, possibly split into `<name>0`, `<name>1`, ….
 * An empty list is stored as an empty float array (numpy's default dtype for []).
 */
function nameList(file: string, group: H5Group, name: string, where: string): string[] {
  const field = where ? `${where}.${name}` : name;
  const parts: H5Attribute[] = [];
  if (Object.hasOwn(group.attrs, name)) parts.push(group.attrs[name]!);
  else for (let k = 0; Object.hasOwn(group.attrs, `${name}${k}`); k++) parts.push(group.attrs[`${name}${k}`]!);
  if (!parts.length) throw new DataFormatError(file, field, 'missing attribute: not a Keras weights file');
  const names: string[] = [];
  for (const p of parts) {
    if (p.error !== undefined) throw new DataFormatError(file, field, `unreadable: ${p.error}`);
    const v = p.value;
    if (typeof v === 'string') names.push(v);
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) names.push(...(v as string[]));
    else if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<number>).length === 0) continue;
    else throw new DataFormatError(file, field, 'expected a list of strings');
  }
  return names;
}

/** The weights group of a file: the root of a weights file, `model_weights` of a full model. */
function weightsLayers(file: string, root: H5Group, prefix: string): KerasWeightsLayer[] {
  const layers: KerasWeightsLayer[] = [];
  for (const layer of nameList(file, root, 'layer_names', prefix)) {
    const where = `${prefix ? `${prefix}/` : ''}${layer}`;
    const g = h5Get(root, layer);
    if (g?.kind !== 'group') throw new DataFormatError(file, where, `layer_names lists "${layer}", but the file has no group of that name`);
    const weightNames = nameList(file, g, 'weight_names', where);
    if (!weightNames.length) continue;
    layers.push({
      name: layer,
      path: where,
      weights: weightNames.map((w) => {
        const field = `${where}/${w}`;
        const ds = h5Get(g, w);
        if (ds?.kind !== 'dataset')
          throw new DataFormatError(file, field, `weight_names lists "${w}", but there is no such dataset${ds?.kind === 'other' ? ` (${ds.what})` : ''}`);
        if (!ds.data) throw new DataFormatError(file, field, `${ds.unread ?? 'no data'} (${ds.dtype.class}, shape ${shapeString(ds.shape)})`);
        // Keras weights are float32; a float64 file (K.set_floatx('float64')) loads as Keras casts it.
        if (!(ds.data instanceof Float32Array || ds.data instanceof Float64Array)) {
          throw new DataFormatError(file, field, `expected float32 values, got ${ds.dtype.class} of ${ds.dtype.size} bytes`);
        }
        const data = ds.data instanceof Float32Array ? ds.data : Float32Array.from(ds.data);
        if (data.length !== sizeOf(ds.shape)) throw new DataFormatError(file, field, `${data.length} values for shape ${shapeString(ds.shape)}`);
        return { name: w, path: field, tensor: { shape: ds.shape, data } };
      }),
    });
  }
  return layers;
}

/** Read a Keras .h5 (weights file or full model). Malformed → DataFormatError; a model outside scope → UnsupportedError. */
export async function readKerasH5(bytes: Uint8Array, fileName: string, options?: ReadHdf5Options): Promise<KerasH5> {
  const root = await readHdf5(bytes, fileName, options);
  const meta = { file: fileName, kerasVersion: stringAttr(root, 'keras_version'), backend: stringAttr(root, 'backend') };
  if (!Object.hasOwn(root.attrs, 'model_config')) return { ...meta, layers: weightsLayers(fileName, root, '') };
  const config = root.attrs.model_config!;
  if (config.error !== undefined || typeof config.value !== 'string') {
    throw new DataFormatError(fileName, 'model_config', config.error ?? 'expected a JSON string');
  }
  let json: unknown;
  try {
    json = JSON.parse(config.value);
  } catch (e) {
    throw new DataFormatError(fileName, 'model_config', `not JSON: ${(e as Error).message}`);
  }
  const arch = architectureFromKerasConfig(json, fileName);
  const weights = h5Get(root, 'model_weights');
  if (weights?.kind !== 'group') throw new DataFormatError(fileName, 'model_weights', 'missing: a model_config without its weights');
  return { ...meta, kerasVersion: meta.kerasVersion ?? stringAttr(weights, 'keras_version'), arch, layers: weightsLayers(fileName, weights, 'model_weights') };
}

/**
 * Keras `load_weights_from_hdf5_group`: the file's layers with weights are matched, in order, to the
 * architecture's layers with weights (names need not agree, as in Keras), each weight by position; every
 * shape must agree. Returns the weights in Keras get_weights() order.
 */
export function kerasWeightsFor(h5: KerasH5, arch: Architecture): F32Tensor[] {
  const specs = modelWeightSpecs(resolveArchitecture(arch));
  const layers: { name: string; specs: typeof specs }[] = [];
  for (const s of specs) {
    const last = layers[layers.length - 1];
    if (last?.name === s.layer) last.specs.push(s);
    else layers.push({ name: s.layer, specs: [s] });
  }
  if (h5.layers.length !== layers.length) {
    throw new DataFormatError(
      h5.file,
      'layer_names',
      `the file has ${h5.layers.length} layers with weights (${h5.layers.map((l) => l.name).join(', ')}), the model ${layers.length} (${layers.map((l) => l.name).join(', ')})`,
    );
  }
  return layers.flatMap((layer, k) => {
    const saved = h5.layers[k]!;
    if (saved.weights.length !== layer.specs.length) {
      throw new DataFormatError(
        h5.file,
        `${saved.path}.weight_names`,
        `layer #${k} ("${layer.name}" in the model) expects ${layer.specs.length} weights (${layer.specs.map((s) => s.name).join(', ')}), the file has ${saved.weights.length}`,
      );
    }
    return layer.specs.map((spec, i) => {
      const w = saved.weights[i]!;
      const same = w.tensor.shape.length === spec.shape.length && w.tensor.shape.every((d, j) => d === spec.shape[j]);
      if (!same) {
        throw new DataFormatError(
          h5.file,
          w.path,
          `shape ${shapeString(w.tensor.shape)}, where layer "${layer.name}" expects ${spec.name} ${shapeString(spec.shape)}`,
        );
      }
      return w.tensor;
    });
  });
}

/**
 * A Keras .h5 as an architecture and its weights: a full model brings its own architecture; a weights-only
 * file needs `arch` (as Keras's `load_weights` needs the model built first).
 */
export async function loadKerasH5(
  bytes: Uint8Array,
  fileName: string,
  arch?: Architecture,
  options?: ReadHdf5Options,
): Promise<ImportedModel & { h5: KerasH5 }> {
  const h5 = await readKerasH5(bytes, fileName, options);
  const use = h5.arch ?? arch;
  if (!use) throw new ArgumentError('arch', `${fileName} holds weights only (model.save_weights, no model_config): name the architecture they belong to`);
  return { arch: use, weights: kerasWeightsFor(h5, use), h5 };
}
