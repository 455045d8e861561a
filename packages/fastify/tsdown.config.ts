import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base.ts'

export default defineConfig({
  ...packageConfig,
  // CommonJS users get `require('@lameduck/fastify').default` and `.lameduckFastify`.
  outputOptions: { exports: 'named' },
})
