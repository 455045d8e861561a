// The private Node fields lameduck reads (src/node-internals.ts), checked on the running Node.
import { once } from 'node:events'
import { createServer } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isUpgraded, stopConnectionsChecker } from '../src/node-internals.js'

describe(`node internals on ${process.version}`, () => {
  it('tells upgraded sockets from HTTP keep-alive ones', async () => {
    const server = createServer((_req, res) => res.end('ok'))
    const sockets: Socket[] = []
    server.on('connection', (socket: Socket) => sockets.push(socket))
    const upgraded = new Promise<Socket>((resolve) =>
      server.on('upgrade', (_req, s) => resolve(s as Socket)),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())
    const client = connect(port, '127.0.0.1')
    client.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: x\r\n\r\n')
    const socket = await upgraded
    expect(isUpgraded(socket)).toBe(true)
    expect(sockets.filter((s) => s !== socket).map(isUpgraded)).toEqual([false])
    client.destroy()
    socket.destroy()
    server.closeAllConnections()
    server.close()
  })

  it('finds the connections checker to stop', async () => {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const key = Object.getOwnPropertySymbols(server).find(
      (s) => s.description === 'http.server.connectionsCheckingInterval',
    )
    expect(key).toBeDefined()
    const interval = (server as unknown as Record<symbol, NodeJS.Timeout>)[key!]!
    expect(interval.hasRef()).toBe(false)
    stopConnectionsChecker(server)
    expect((interval as unknown as { _destroyed: boolean })._destroyed).toBe(true)
    server.close()
  })
})
