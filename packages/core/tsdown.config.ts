import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

// Both entries in one build, so the modules they have in common land in one shared chunk.
export default defineConfig({ ...packageConfig, entry: ['src/index.ts', 'src/adapter.ts'] })
