import { once } from 'node:events'
import type { Server } from 'node:http'
import type { Http2Server } from 'node:http2'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'
import type { ContractApp, ContractReport } from './contract.js'

/**
 * Listens on 127.0.0.1 and a free port and describes the server to the contract suite; the
 * caller has attached lameduck (and anything else) already.
 */
export async function serveContract(
  server: Server | HttpsServer,
  shutdown: () => Promise<ContractReport>,
  { tls = false } = {},
): Promise<ContractApp> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    tls,
    port: (server.address() as AddressInfo).port,
    shutdown,
    async dispose() {
      server.closeAllConnections()
      if (server.listening) await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Listens on 127.0.0.1 and a free port for one test, and closes the server and every connection
 * when the test finishes; resolves with the port.
 */
export async function listenForTest(server: Server | HttpsServer | Http2Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    // An HTTP/2 server has no such list; its sessions end with the test's own clients.
    if ('closeAllConnections' in server) server.closeAllConnections()
    if (server.listening) server.close()
  })
  return (server.address() as AddressInfo).port
}
