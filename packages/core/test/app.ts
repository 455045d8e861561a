import { type EventEmitter, once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttp2Server } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { closeWebSocketsOnDrain, lameduck } from '@lameduck/core'
import {
  type ContractApp,
  type ContractOptions,
  serveContract,
  type TestCertificate,
} from '@lameduck/test-utils'
import { WebSocketServer } from 'ws'
import { contractRoutes } from './contract-routes.js'

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
