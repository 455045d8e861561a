import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/express'
import express from 'express'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('report', () => console.log('hook ran'))
const app = express()
app.use(ld.middleware())
app.get('/slow', (_req, res) => {
  console.log('arrived /slow')
  setTimeout(() => res.send('slow'), 500)
})
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
ld.attach(server)
