import { describeShutdownContract, testCertificate } from '@lameduck/test-utils'
import { type Platform, startNestApp, type Transport } from './app.js'

const certificate = await testCertificate()
const cases: [Platform, Transport][] = [
  ['express', 'http'],
  ['express', 'https'],
  ['fastify', 'http'],
  ['fastify', 'https'],
  ['fastify', 'http2'],
]
for (const [platform, transport] of cases) {
  describeShutdownContract(
    `nest on platform-${platform}, ${transport}, app.close()`,
    (options, probe) => startNestApp(platform, transport, options, probe, certificate),
    transport === 'http2'
      ? { http2: (options, probe) => startNestApp(platform, 'h2c', options, probe) }
      : {},
  )
}
