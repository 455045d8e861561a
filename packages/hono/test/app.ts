import type { EventEmitter } from 'node:events'
import { once } from 'node:events'
import type { Server } from 'node:http'
import { createServer as createHttp2Server, createSecureServer } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { HttpBindings, ServerType } from '@hono/node-server'
import { createAdaptorServer } from '@hono/node-server'
import { type LameduckHonoOptions, lameduck } from '@lameduck/hono'
import type { ContractApp, ContractOptions, TestCertificate } from '@lameduck/test-utils'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { createAdaptorServer as createAdaptorServer1 } from 'hono-node-server1'

/** `http2` is HTTP/2 over TLS (HTTP/1.1 allowed too), `h2c` cleartext HTTP/2 only. */
export type Transport = 'http' | 'https' | 'http2' | 'h2c'

/** `@hono/node-server` 2 and 1, both supported. */
export const nodeServers = {
  'node-server 2': createAdaptorServer,
  'node-server 1': createAdaptorServer1,
}
type CreateAdaptorServer = typeof createAdaptorServer

/** Resolves once the drain has started. */
const drainStarted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })

/** The contract's routes on Hono, with @lameduck/hono mounted first. */
export function honoApp(options: LameduckHonoOptions, probe?: EventEmitter) {
  const ld = lameduck({ signals: false, ...options })
  const app = new Hono<{ Bindings: HttpBindings }>()
  app.use(ld.middleware())
  app.use(async (c, next) => {
    probe?.emit('arrived', c.req.path, c.env?.incoming.socket.remotePort)
    await next()
  })
  app.get('/fast', (c) => c.text('ok'))
  app.get('/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, Number(c.req.query('ms') ?? 0)))
    return c.text('slow')
  })
  app.get('/hang', (c) => {
    // node-server aborts the request's signal when its socket goes, here at the deadline.
    c.req.raw.signal.addEventListener('abort', () => probe?.emit('aborted'))
    return new Promise<Response>(() => {})
  })
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      await s.write('first,')
      await s.sleep(Number(c.req.query('ms') ?? 0))
      await s.write('last')
    }),
  )
  // stream() rather than streamSSE(): streamSSE sets Transfer-Encoding, which HTTP/2 forbids.
  app.get('/events', (c) => {
    c.header('content-type', 'text/event-stream')
    return stream(c, async (s) => {
      await s.write('data: hello\n\n')
      await drainStarted(ld.signal)
      await s.write('event: bye\ndata: shutting down\n\n')
    })
  })
  app.post('/upload', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)))
  return { app, ld }
}

/** Creates the Hono server the way `serve()` does, for each transport. */
export function honoServer(
  create: CreateAdaptorServer,
  fetch: ReturnType<typeof honoApp>['app']['fetch'],
  transport: Transport,
  certificate?: TestCertificate,
): ServerType {
  if (transport === 'http') return create({ fetch })
  if (transport === 'h2c') return create({ fetch, createServer: createHttp2Server })
  if (transport === 'https') {
    return create({ fetch, createServer: createHttpsServer, serverOptions: { ...certificate } })
  }
  return create({
    fetch,
    createServer: createSecureServer,
    serverOptions: { ...certificate, allowHTTP1: true },
  })
}

export async function startHonoApp(
  create: CreateAdaptorServer,
  transport: Transport,
  options: ContractOptions,
  probe: EventEmitter,
  certificate?: TestCertificate,
): Promise<ContractApp> {
  const { app, ld } = honoApp(options, probe)
  const server = honoServer(create, app.fetch, transport, certificate)
  ld.attach(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    tls: transport === 'https' || transport === 'http2',
    port: (server.address() as AddressInfo).port,
    shutdown: () => ld.shutdown(),
    async dispose() {
      if ('closeAllConnections' in server) (server as Server).closeAllConnections()
      if (server.listening) await new Promise((resolve) => server.close(resolve))
    },
  }
}
