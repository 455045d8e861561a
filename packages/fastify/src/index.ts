import {
  type AttachableServer,
  closeWebSocketsOnDrain,
  InvalidStateError,
  type Lameduck,
  type LameduckOptions,
  lameduck,
  type WebSocketServerLike,
} from '@lameduck/core'
import { type HealthRouteOptions, healthRoutes } from '@lameduck/core/adapter'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

export interface LameduckFastifyOptions extends LameduckOptions, HealthRouteOptions {}

declare module 'fastify' {
  interface FastifyInstance {
    /** The lameduck handle draining this instance's server. */
    graceful: Lameduck
  }
}

async function lameduckFastify(app: FastifyInstance, options: LameduckFastifyOptions) {
  if (app.hasDecorator('graceful')) {
    throw new InvalidStateError('@lameduck/fastify is already registered on this instance')
  }
  const { health, readiness, ...coreOptions } = options
  const logger = coreOptions.logger ?? app.log.child({ name: 'lameduck' })
  const ld = lameduck({ ...coreOptions, logger })
  const routes = healthRoutes(ld, { health, readiness })
  app.decorate('graceful', ld)

  ld.attach(app.server as AttachableServer)
  // @fastify/websocket, registered before or after this plugin: its clients get 1001 at drain start.
  app.addHook('onReady', async () => {
    const wss = (app as FastifyInstance & { websocketServer?: WebSocketServerLike }).websocketServer
    if (wss !== undefined) closeWebSocketsOnDrain(ld, wss)
  })

  for (const route of routes) {
    app.get(route.path, { logLevel: 'warn' }, async (_request, reply) => {
      const answer = await route.reply()
      return reply.code(answer.status).headers(answer.headers).send(answer.body)
    })
  }

  // Both ways of shutting down end the same: drain, then the app's hooks, then Fastify's own
  // close with its onClose hooks, so database pools close after the last response.
  let fastifyClosing = false
  ld.onShutdown('fastify', () => (fastifyClosing ? undefined : app.close()))
  app.addHook('preClose', async () => {
    fastifyClosing = true
    if (ld.state === 'serving') await ld.shutdown('fastify.close()')
  })
}

/** Drains the Fastify server through `@lameduck/core` on signals, `app.graceful.shutdown()` or `app.close()`. */
const plugin: FastifyPluginAsync<LameduckFastifyOptions> = fp(lameduckFastify, {
  fastify: '5.x',
  name: '@lameduck/fastify',
})

export default plugin
export { plugin as lameduckFastify }
