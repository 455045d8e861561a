import type { UserConfig } from 'tsdown'

/** Every published package: one entry, dual ESM + CJS with types, for Node 20 and later. */
export const packageConfig: UserConfig = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
}
