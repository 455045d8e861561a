import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// Loaded with `node --require`: CommonJS, nothing to import; its (empty) types let TypeScript
// resolve `@lameduck/next/preload` under every moduleResolution.
export default defineConfig({
  ...packageConfig,
  entry: ['src/preload.ts'],
  format: ['cjs'],
})
