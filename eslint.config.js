import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { LAYERS } from './scripts/layers.mjs';

// Pure modules must not know where they run.
const PURE = ['config', 'catalog', 'pipeline'];

/**
 * The layer fence (scripts/layers.mjs): a folder may not import a folder of its own layer or of
 * one above it. scripts/check-layers.mjs (in npm run lint) checks the same over the whole graph.
 */
function layerFence() {
  return LAYERS.flatMap((layer, rank) =>
    layer.units
      .filter((unit) => !unit.endsWith('.ts'))
      .map((unit) => {
        const above = LAYERS.slice(0, rank + 1)
          .flatMap((l) => l.units)
          .filter((u) => u !== unit)
          .map((u) => u.replace(/\.ts$/, '\\.js$').replace(/^([a-z-]+)$/, '$1/'));
        const patterns = [
          {
            regex: `^(\\.\\./)+(${above.join('|')})`,
            message: `${unit}/ is in layer "${layer.name}": import only from lower layers (docs/architecture.md).`,
          },
        ];
        if (PURE.includes(unit))
          patterns.push({
            group: ['@actions/*'],
            message: 'pure modules must not know where they run',
          });
        return {
          files: [`src/${unit}/**`],
          rules: { 'no-restricted-imports': ['error', { patterns }] },
        };
      }),
  );
}

export default tseslint.config(
  { ignores: ['dist/', '.dist-build/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // noUncheckedIndexedAccess makes every regex group optional; `m[1]!` after a match is fine.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...layerFence(),
);
