import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// `import.meta.url` finds the optional @lameduck/syn-guard from the CJS build too.
export default defineConfig({ ...packageConfig, shims: true })
