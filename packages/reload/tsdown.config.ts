import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

export default defineConfig([
  packageConfig,
  // The `lameduck` command: ESM only, with its shebang.
  { ...packageConfig, entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false },
  // Preloaded into workers with `node --require`; its (empty) types resolve the subpath.
  { ...packageConfig, entry: ['src/preload.ts'], format: ['cjs'], clean: false },
])
