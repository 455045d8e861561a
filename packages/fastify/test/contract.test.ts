import { describeShutdownContract } from '@lameduck/test-utils'
import { startFastifyApp } from './app.js'

describeShutdownContract(
  'fastify, app.graceful.shutdown()',
  (options, probe) => startFastifyApp(options, probe, 'graceful'),
  {
    websocket: '/ws',
    http2: (options, probe) => startFastifyApp(options, probe, 'graceful', { http2: true }),
  },
)
describeShutdownContract(
  'fastify, app.close() with return503OnClosing: false',
  (options, probe) => startFastifyApp(options, probe, 'close'),
  { websocket: '/ws' },
)
