import { describeShutdownContract } from '@lameduck/test-utils'
import { startFastifyApp } from './app.js'

describeShutdownContract(
  'fastify, app.graceful.shutdown()',
  (options, probe) => startFastifyApp(options, probe, 'graceful'),
  { websocket: '/ws' },
)
describeShutdownContract(
  'fastify, app.close() with return503OnClosing: false',
  (options, probe) => startFastifyApp(options, probe, 'close'),
  { websocket: '/ws' },
)
