import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// `import.meta.url` locates the addon from the CJS build too.
export default defineConfig({ ...packageConfig, shims: true })
