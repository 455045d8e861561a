import {
  type AttachableServer,
  closeWebSocketsOnDrain,
  InvalidOptionError,
  InvalidStateError,
  type Lameduck,
  type LameduckOptions,
  lameduck,
  type WebSocketServerLike,
} from '@lameduck/core'
import { type HealthRouteOptions, healthRoutes } from '@lameduck/core/adapter'
import type { FastifyInstance, FastifyPluginAsync, RegisterOptions } from 'fastify'
import fp from 'fastify-plugin'

export interface LameduckFastifyOptions extends LameduckOptions, HealthRouteOptions {}

declare module 'fastify' {
  interface FastifyInstance {
    /** The lameduck handle draining this instance's server. */
    graceful: Lameduck
  }
}

async function lameduckFastify(app: FastifyInstance, options: LameduckFastifyOptions) {
  if (typeof (app as Partial<FastifyInstance> | null)?.hasDecorator !== 'function') {
    throw new InvalidOptionError('app', 'a Fastify instance (app.register(lameduckFastify))', app)
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'an object', options)
  }
  if (app.hasDecorator('graceful')) {
    throw new InvalidStateError('@lameduck/fastify is already registered on this instance')
  }
  // Fastify hands a plugin its own register options too (`prefix`, `logLevel`, `logSerializers`);
  // it ignores them for a fastify-plugin plugin, so they are applied here.
  const { health, readiness, prefix, logLevel, logSerializers, ...coreOptions } =
    options as LameduckFastifyOptions & RegisterOptions
  const routePrefix = validatePrefix(prefix)
  validateLogLevel(app, logLevel)
  const logger =
    coreOptions.logger ??
    app.log.child(
      { name: 'lameduck' },
      {
        ...(logLevel === undefined ? {} : { level: logLevel }),
        ...(logSerializers === undefined ? {} : { serializers: logSerializers }),
      },
    )
  const ld = lameduck({ ...coreOptions, logger })
  const routes = healthRoutes(ld, { health, readiness })
  app.decorate('graceful', ld)

  ld.attach(app.server as AttachableServer)
  // @fastify/websocket, registered before or after this plugin: its clients get 1001 once the
  // listener closes.
  app.addHook('onReady', async () => {
    const wss = (app as FastifyInstance & { websocketServer?: WebSocketServerLike }).websocketServer
    if (wss !== undefined) closeWebSocketsOnDrain(ld, wss)
  })

  for (const route of routes) {
    // Probes arrive every few seconds: their request logs stay out of the way unless asked for.
    app.get(
      `${routePrefix}${route.path}`,
      { logLevel: logLevel ?? 'warn' },
      async (_request, reply) => {
        const answer = await route.reply()
        return reply.code(answer.status).headers(answer.headers).send(answer.body)
      },
    )
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

function validatePrefix(prefix: unknown): string {
  if (prefix === undefined) return ''
  if (typeof prefix !== 'string' || !(prefix === '' || prefix.startsWith('/'))) {
    throw new InvalidOptionError('prefix', 'a path starting with "/"', prefix)
  }
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
}

const PINO_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

function validateLogLevel(app: FastifyInstance, level: unknown): void {
  if (level === undefined) return
  // A pino logger knows its levels, custom ones included; Fastify's default logger is pino's shape.
  const values = (app.log as { levels?: { values?: Record<string, number> } }).levels?.values
  const known = ['silent', ...(values === undefined ? PINO_LEVELS : Object.keys(values))]
  if (typeof level !== 'string' || !known.includes(level)) {
    throw new InvalidOptionError('logLevel', `one of ${known.join(', ')}`, level)
  }
}

/** Drains the Fastify server through `@lameduck/core` on signals, `app.graceful.shutdown()` or `app.close()`. */
const plugin: FastifyPluginAsync<LameduckFastifyOptions> = fp(lameduckFastify, {
  fastify: '5.x',
  name: '@lameduck/fastify',
})

export default plugin
export { plugin as lameduckFastify }
