// ESLint: typescript-eslint's recommended rules, and the architecture's import directions (eslint-plugin-boundaries).
// Each layer below may import only the layers its policy names; every folder's README says the same in words.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/** The layers of the project: [type, folder]; a file belongs to the first folder that holds it. */
const ELEMENTS = [
  ['base', 'src/util'],
  ['arch', 'src/arch'],
  ['data', 'src/data'],
  ['preprocess', 'src/preprocess'],
  ['train', 'src/train'],
  // The implementations in src/impl/<name>/; then src/impl/interface.ts (the contract) and src/impl/registry.ts.
  ['impl', 'src/impl/*'],
  ['contract', 'src/impl'],
  ['onnx', 'src/onnx'],
  // Implementations in a browser page: the page's code and the runner that bundles, serves and drives it.
  ['browser', 'src/browser'],
  ['keras', 'src/keras'],
  ['reference', 'src/reference'],
  ['recipes', 'src/recipes'],
  ['harness', 'src/harness'],
  ['reproduce', 'src/reproduce'],
  ['golden', 'src/golden'],
  ['check', 'src/check'],
  ['conform', 'src/conform'],
  ['cli', 'src/cli'],
  ['api', 'src/api'],
  ['spec-support', 'spec/support'],
  ['spec-conformance', 'spec/conformance'],
  ['spec-suite', 'spec/suite'],
  ['examples', 'examples'],
  ['tools', '{test,bench,scripts}'],
  // The files directly in src/ (errors.ts, tensor.ts, version.ts): last, so every folder above is matched first.
  ['base', 'src'],
];

const SRC = [
  'api',
  'base',
  'arch',
  'data',
  'preprocess',
  'train',
  'contract',
  'impl',
  'onnx',
  'browser',
  'keras',
  'reference',
  'recipes',
  'harness',
  'reproduce',
  'golden',
  'check',
  'conform',
  'cli',
];
/** What each layer may import besides itself. */
const MAY_IMPORT = {
  base: [],
  arch: ['base'],
  data: ['base'],
  preprocess: ['base', 'data'],
  train: ['base', 'arch', 'preprocess', 'contract'],
  // interface.ts imports arch and train types; registry.ts loads each implementation lazily (a browser one through the
  // browser layer, which bundles it for a page and drives the page).
  contract: ['base', 'arch', 'train', 'impl', 'browser'],
  onnx: ['base', 'arch'],
  keras: ['base', 'arch', 'onnx'],
  reference: ['base', 'arch'],
  recipes: ['base', 'arch', 'data', 'preprocess', 'train'],
  impl: ['base', 'arch', 'preprocess', 'train', 'onnx', 'contract'],
  // It wraps implementations (tfjs, onnxruntime) for the page and speaks the protocol (src/impl/remote).
  browser: ['base', 'arch', 'preprocess', 'train', 'onnx', 'contract', 'impl'],
  // golden: the tolerances, declared once in src/golden/tolerances.ts with the precision profiles the specs apply.
  harness: ['base', 'arch', 'data', 'train', 'contract', 'reference', 'golden'],
  reproduce: ['base', 'data', 'preprocess', 'recipes', 'train', 'contract'],
  golden: ['base', 'data', 'onnx', 'preprocess', 'recipes', 'reproduce', 'train', 'contract'],
  check: ['base', 'arch', 'data', 'preprocess', 'train', 'contract', 'onnx', 'keras', 'recipes', 'harness'],
  conform: ['base', 'data', 'train', 'contract', 'harness'],
  api: ['base', 'arch', 'train', 'contract'],
  cli: SRC,
  'spec-support': SRC,
  'spec-conformance': [...SRC, 'spec-support'],
  'spec-suite': [...SRC, 'spec-support'],
  examples: ['base', 'arch', 'contract', 'impl'],
  tools: [...SRC, 'spec-support', 'spec-conformance', 'spec-suite', 'examples'],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'reports/**',
      'golden/**',
      'fixtures/**',
      'test/fixtures/harness/node_modules/**',
      '.stryker-tmp/**',
      '.scratch/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/elements': ELEMENTS.map(([type, pattern]) => ({ type, pattern })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(MAY_IMPORT).map(([from, to]) => ({
            from: { element: { type: from } },
            allow: { to: { element: { types: { anyOf: [from, ...to] } } } },
          })),
        },
      ],
      // The project's conventions where they differ from the recommended set.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
