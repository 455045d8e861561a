import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/koa'
import Koa from 'koa'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('report', () => console.log('hook ran'))
const app = new Koa()
app.use(ld.middleware())
app.use(async (ctx) => {
  console.log(`arrived ${ctx.path}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
  ctx.body = 'slow'
})
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
ld.attach(server)
