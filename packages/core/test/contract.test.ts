import { describeShutdownContract, testCertificate } from '@lameduck/test-utils'
import { startCoreApp } from './app.js'

describeShutdownContract('node:http', (options, probe) => startCoreApp(options, probe), {
  websocket: '/ws',
})

const certificate = await testCertificate()
describeShutdownContract(
  'node:https',
  (options, probe) => startCoreApp(options, probe, certificate),
  { websocket: '/ws' },
)
