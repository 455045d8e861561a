import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// Loaded with `node --require`: CommonJS, nothing to import.
export default defineConfig({
  ...packageConfig,
  entry: ['src/preload.ts'],
  format: ['cjs'],
  dts: false,
})
