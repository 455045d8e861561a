import type { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import websocket from '@fastify/websocket'
import graceful from '@lameduck/fastify'
import type { ContractApp, ContractOptions } from '@lameduck/test-utils'
import Fastify, { type FastifyServerOptions } from 'fastify'

/** The contract's routes on Fastify, with @lameduck/fastify registered. */
export async function startFastifyApp(
  options: ContractOptions,
  probe: EventEmitter,
  shutdownBy: 'graceful' | 'close' = 'graceful',
  fastifyOptions: FastifyServerOptions & { http2?: true } = {},
) {
  // Typed as the HTTP/1 instance: the routes below are the same over HTTP/2.
  const app = Fastify({
    ...(fastifyOptions as FastifyServerOptions),
    // Requests arriving during app.close() are then served like in the signal path.
    ...(shutdownBy === 'close' ? { return503OnClosing: false } : {}),
  })
  await app.register(graceful, { ...options, signals: false })
  await app.register(websocket)
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  app.addHook('onRequest', async (request) => {
    probe.emit('arrived', request.url.split('?')[0], request.raw.socket.remotePort)
  })
  app.get('/fast', async () => 'ok')
  app.get<{ Querystring: { ms: string } }>('/slow', async (request) => {
    await new Promise((resolve) => setTimeout(resolve, Number(request.query.ms)))
    return 'slow'
  })
  app.get('/hang', () => new Promise(() => {}))
  app.get<{ Querystring: { ms: string } }>('/stream', async (request, reply) => {
    const stream = new PassThrough()
    stream.write('first,')
    setTimeout(() => stream.end('last'), Number(request.query.ms))
    return reply.send(stream)
  })
  app.get('/events', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' })
    reply.raw.write('data: hello\n\n')
    app.graceful.endOnDrain(reply.raw, (r) => r.end('event: bye\ndata: shutting down\n\n'))
  })
  app.get('/ws', { websocket: true }, (socket) => socket.send('welcome'))
  app.post('/upload', async (request) => String((request.body as Buffer | undefined)?.length ?? 0))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const contract: ContractApp & { app: typeof app } = {
    app,
    closesConnectionsDuringDelay: shutdownBy === 'close',
    port:
      app.server.address() && typeof app.server.address() === 'object'
        ? (app.server.address() as { port: number }).port
        : 0,
    async shutdown() {
      if (shutdownBy === 'close') await app.close()
      return app.graceful.shutdown()
    },
    async dispose() {
      app.server.closeAllConnections?.()
      await app.close()
    },
  }
  return contract
}
