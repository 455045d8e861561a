// Hono with @lameduck/hono: mount the middleware first, attach the server serve() returns.
import { serve } from '@hono/node-server'
import { lameduck } from '@lameduck/hono'
import { Hono } from 'hono'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('database', () => console.log('closing the database pool'))

const app = new Hono()
app.use(ld.middleware()) // /healthz and /readyz, before anything else
app.get('/', (c) => c.text('hello from hono\n'))

const port = Number(process.env.PORT ?? 3000)
ld.attach(
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`)
  }),
)
