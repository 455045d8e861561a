import { describeShutdownContract, testCertificate } from '@lameduck/test-utils'
import { startCoreApp, startCoreHttp2App } from './app.js'

describeShutdownContract('node:http', (options, probe) => startCoreApp(options, probe), {
  websocket: '/ws',
  http2: startCoreHttp2App,
})

const certificate = await testCertificate()
describeShutdownContract(
  'node:https',
  (options, probe) => startCoreApp(options, probe, certificate),
  { websocket: '/ws' },
)
