import { type EventEmitter, once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttp2Server } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { closeWebSocketsOnDrain, type Lameduck, lameduck } from '@lameduck/core'
import {
  type ContractApp,
  type ContractOptions,
  serveContract,
  type TestCertificate,
} from '@lameduck/test-utils'
import { WebSocketServer } from 'ws'

/** The contract's routes as a plain node:http request listener. */
export function contractRoutes(ld: Lameduck, probe: EventEmitter) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const ms = Number(url.searchParams.get('ms') ?? 0)
    if (url.pathname === '/readyz') return ld.readiness(req, res)
    if (url.pathname === '/healthz') return ld.health(req, res)
    probe.emit('arrived', url.pathname, req.socket.remotePort)
    switch (url.pathname) {
      case '/fast':
        return res.end('ok')
      case '/slow':
        return setTimeout(() => res.end('slow'), ms)
      case '/hang':
        return
      case '/stream':
        res.write('first,')
        return setTimeout(() => res.end('last'), ms)
      case '/events':
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: hello\n\n')
        ld.endOnDrain(res, (r) => r.end('event: bye\ndata: shutting down\n\n'))
        return
      case '/upload': {
        let bytes = 0
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length
        })
        return req.on('end', () => res.end(String(bytes)))
      }
      default:
        res.statusCode = 404
        return res.end()
    }
  }
}

/** A node:http (or, given a certificate, node:https) server on 127.0.0.1 with lameduck attached. */
export async function startCoreApp(
  options: ContractOptions,
  probe: EventEmitter,
  tls?: TestCertificate,
): Promise<ContractApp> {
  const ld = lameduck({ ...options, signals: false })
  const routes = contractRoutes(ld, probe)
  const server = tls === undefined ? createHttpServer(routes) : createHttpsServer(tls, routes)
  ld.attach(server)
  closeWebSocketsOnDrain(ld, new WebSocketServer({ server, path: '/ws' }))
  return serveContract(server, () => ld.shutdown(), { tls: tls !== undefined })
}

/** The same routes over h2c, through HTTP/2's compatibility API. */
export async function startCoreHttp2App(
  options: ContractOptions,
  probe: EventEmitter,
): Promise<ContractApp> {
  const ld = lameduck({ ...options, signals: false })
  const routes = contractRoutes(ld, probe)
  const server = createHttp2Server((req, res) =>
    routes(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  )
  ld.attach(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    shutdown: () => ld.shutdown(),
    async dispose() {
      if (server.listening) await new Promise((resolve) => server.close(resolve))
    },
  }
}
