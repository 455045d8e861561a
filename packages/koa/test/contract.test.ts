import { describeShutdownContract } from '@lameduck/test-utils'
import { koaMajors, startKoaApp } from './app.js'

for (const [name, Koa] of Object.entries(koaMajors)) {
  describeShutdownContract(name, (options, probe) => startKoaApp(Koa, options, probe), {
    websocket: '/ws',
  })
}
