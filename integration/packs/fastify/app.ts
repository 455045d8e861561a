import graceful from '@lameduck/fastify'
import Fastify from 'fastify'

async function main(): Promise<void> {
  const app = Fastify()
  await app.register(graceful, { timeout: 10_000 })
  app.graceful.onShutdown('report', () => console.log('hook ran'))
  app.get('/slow', async () => {
    console.log('arrived /slow')
    await new Promise((resolve) => setTimeout(resolve, 500))
    return 'slow'
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  console.log(`listening on ${address}`)
}
main()
