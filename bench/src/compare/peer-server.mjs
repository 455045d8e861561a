// One server for the side-by-side comparison: the same app, shut down on SIGTERM by one peer,
// wired the way that peer's README shows, with nothing added that the peer lacks.
// argv: peer, protocol (h1 | h2), timeout ms, delay ms, port (0: any).
//
// The app's own part of a shutdown (end server-sent event streams with a final event, close
// WebSockets with 1001) is `onDrain`, called from the earliest shutdown hook the peer offers, or
// from the SIGTERM handler that peers without signal handling ask their users to write.
// lameduck users write neither: `endOnDrain` and `closeWebSocketsOnDrain` do it.
import { EventEmitter } from 'node:events'
import { createServer as createH1Server } from 'node:http'
import { createServer as createH2Server } from 'node:http2'
import { WebSocketServer } from 'ws'
import { answerCommands } from '../ipc.mjs'

const [peer = 'bare', protocol = 'h1', timeoutArg = '1000', delayArg = '0', portArg = '0'] =
  process.argv.slice(2)
const timeout = Number(timeoutArg)
const delay = Number(delayArg)
const port = Number(portArg)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const draining = new EventEmitter()
const onDrain = () => draining.emit('drain')
// Set by the lameduck glue: its own helpers end the streams instead of onDrain.
let endOnDrain

function arrived(req) {
  process.send({ arrived: req.url })
}

function handle(req, res) {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/readyz') return res.end('ready')
  // The load's route: answered without telling the runner, which would cost more than the app.
  if (url.pathname === '/fast' || url.pathname === '/') return res.end('ok')
  arrived(req)
  if (url.pathname === '/slow') {
    return setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') ?? 300))
  }
  if (url.pathname === '/hang') return
  if (url.pathname === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: hello\n\n')
    const bye = () => res.end('event: bye\ndata: shutting down\n\n')
    if (endOnDrain) return endOnDrain(res, bye)
    draining.once('drain', bye)
    res.once('close', () => draining.off('drain', bye))
    return
  }
  res.statusCode = 404
  res.end()
}

function createServer() {
  const server = protocol === 'h2' ? createH2Server() : createH1Server()
  if (protocol === 'h1') server.keepAliveTimeout = 60_000
  return server
}

/** WebSockets at /ws, closed by `onDrain`. */
function serveWebSockets(server) {
  const wss = new WebSocketServer({ server, path: '/ws' })
  draining.once('drain', () => {
    for (const client of wss.clients) client.close(1001, 'going away')
  })
}

/** The app as the peers serve it. */
function appServer() {
  const server = createServer()
  server.on('request', handle)
  if (protocol === 'h1') serveWebSockets(server)
  return server
}

const listen = (server) =>
  new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))

const peers = {
  async lameduck() {
    const { lameduck, closeWebSocketsOnDrain } = await import('@lameduck/core')
    const ld = lameduck({ timeout, delay })
    const server = createServer()
    server.on('request', (req, res) => {
      if (req.url === '/readyz') return ld.readiness(req, res)
      handle(req, res)
    })
    endOnDrain = (res, bye) => ld.endOnDrain(res, bye)
    if (protocol === 'h1') closeWebSocketsOnDrain(ld, new WebSocketServer({ server, path: '/ws' }))
    ld.attach(server)
    return listen(server)
  },
  async bare() {
    const server = appServer()
    process.once('SIGTERM', () => {
      onDrain()
      server.close()
    })
    return listen(server)
  },
  async 'http-terminator'() {
    const { createHttpTerminator } = await import('http-terminator')
    const server = appServer()
    const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: timeout })
    process.once('SIGTERM', () => {
      onDrain()
      terminator.terminate()
    })
    return listen(server)
  },
  async stoppable() {
    const { default: stoppable } = await import('stoppable')
    const server = stoppable(appServer(), timeout)
    process.once('SIGTERM', () => {
      onDrain()
      server.stop()
    })
    return listen(server)
  },
  async terminus() {
    const { createTerminus } = await import('@godaddy/terminus')
    const server = appServer()
    createTerminus(server, {
      signals: ['SIGTERM'],
      timeout,
      healthChecks: { '/readyz': async () => 'ready' },
      // Its Kubernetes advice: wait in beforeShutdown so that readiness is seen failing.
      beforeShutdown: async () => {
        onDrain()
        await sleep(delay)
      },
    })
    return listen(server)
  },
  async 'http-graceful-shutdown'() {
    const { default: gracefulShutdown } = await import('http-graceful-shutdown')
    const server = appServer()
    gracefulShutdown(server, {
      signals: 'SIGTERM',
      timeout,
      preShutdown: async () => {
        onDrain()
        await sleep(delay)
      },
    })
    return listen(server)
  },
  async 'close-with-grace'() {
    const { default: closeWithGrace } = await import('close-with-grace')
    const server = appServer()
    closeWithGrace({ delay: timeout }, async () => {
      onDrain()
      await sleep(delay)
      await new Promise((resolve) => server.close(resolve))
    })
    return listen(server)
  },
  async fastify() {
    const { default: Fastify } = await import('fastify')
    const app = Fastify({ http2: protocol === 'h2', keepAliveTimeout: 60_000 })
    app.all('/*', (request, reply) => {
      reply.hijack()
      handle(request.raw, reply.raw)
    })
    await app.ready()
    if (protocol === 'h1') serveWebSockets(app.server)
    process.once('SIGTERM', () => {
      onDrain()
      app.close()
    })
    await app.listen({ port, host: '127.0.0.1' })
    return app.server
  },
}

const server = await peers[peer]()
// The IPC channel must not keep the process alive: exiting on its own is part of what we measure.
process.channel.unref()
answerCommands(server)
