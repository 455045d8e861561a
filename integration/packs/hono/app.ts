import { serve } from '@hono/node-server'
import { lameduck } from '@lameduck/hono'
import { Hono } from 'hono'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('report', () => console.log('hook ran'))
const app = new Hono()
app.use(ld.middleware())
app.get('/slow', async (c) => {
  console.log('arrived /slow')
  await new Promise((resolve) => setTimeout(resolve, 500))
  return c.text('slow')
})
ld.attach(
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`)
  }),
)
