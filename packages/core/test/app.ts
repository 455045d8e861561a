import type { EventEmitter } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
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
