import { describeShutdownContract, testCertificate } from '@lameduck/test-utils'
import { nodeServers, startHonoApp, type Transport } from './app.js'

const certificate = await testCertificate()
for (const [name, create] of Object.entries(nodeServers)) {
  for (const transport of ['http', 'https', 'http2'] satisfies Transport[]) {
    describeShutdownContract(
      `hono on ${name}, ${transport}`,
      (options, probe) => startHonoApp(create, transport, options, probe, certificate),
      transport === 'http2'
        ? { http2: (options, probe) => startHonoApp(create, 'h2c', options, probe) }
        : {},
    )
  }
}
