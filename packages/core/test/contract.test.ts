import { describeShutdownContract } from '@lameduck/test-utils'
import { startCoreApp } from './app.js'

describeShutdownContract('node:http', (options, probe) => startCoreApp(options, probe))
