// Koa with @lameduck/koa: mount the middleware first, attach the server.
import { lameduck } from '@lameduck/koa'
import Koa from 'koa'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('database', () => console.log('closing the database pool'))

const app = new Koa()
app.use(ld.middleware()) // /healthz and /readyz, before anything else
app.use(async (ctx) => {
  ctx.body = 'hello from koa\n'
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
ld.attach(server)
