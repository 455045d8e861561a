// Hono with @lameduck/hono: the health routes through Hono's router, attach the server serve() returns.
import { serve } from '@hono/node-server'
import { lameduck } from '@lameduck/hono'
import { Hono } from 'hono'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('database', () => console.log('closing the database pool'))

const app = ld.routes(new Hono()) // GET /healthz and /readyz
app.get('/', (c) => c.text('hello from hono\n'))

const port = Number(process.env.PORT ?? 3000)
ld.attach(
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`)
  }),
)
