import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// The entries in one build, so the modules they have in common land in one shared chunk;
// `import.meta.url` finds the optional @lameduck/syn-guard from the CJS build too.
export default defineConfig({
  ...packageConfig,
  entry: ['src/index.ts', 'src/adapter.ts', 'src/worker.ts'],
  shims: true,
})
