import { describeShutdownContract } from '@lameduck/test-utils'
import { expressMajors, startExpressApp } from './app.js'

for (const [name, express] of Object.entries(expressMajors)) {
  describeShutdownContract(name, (options, probe) => startExpressApp(express, options, probe), {
    websocket: '/ws',
  })
}
