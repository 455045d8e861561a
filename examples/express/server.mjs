// Express with @lameduck/express: register the health routes first, attach the server.
import { lameduck } from '@lameduck/express'
import express from 'express'

const ld = lameduck({ timeout: 10_000 })
ld.onShutdown('database', () => console.log('closing the database pool'))

const app = express()
ld.routes(app) // GET /healthz and /readyz, before anything else
app.get('/', (_req, res) => res.send('hello from express\n'))

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
ld.attach(server)
