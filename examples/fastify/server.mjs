// Fastify with @lameduck/fastify: SIGTERM drains in-flight requests, then onClose hooks run.
import graceful from '@lameduck/fastify'
import Fastify from 'fastify'

const app = Fastify()
await app.register(graceful, { timeout: 10_000 }) // /healthz and /readyz included
app.addHook('onClose', async () => console.log('onClose: closing the database pool'))
app.get('/', async () => 'hello from fastify\n')

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`listening on http://127.0.0.1:${app.server.address().port}`)
