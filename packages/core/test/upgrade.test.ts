import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { lameduck } from '@lameduck/core'
import { RawClient } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'

// A raw `upgrade` handler that echoes lines: the app owns the socket once it is upgraded.
async function upgradeServer(beforeListening?: (server: Server) => void) {
  const server: Server = createServer((_req, res) => res.end('ok'))
  const upgraded: Socket[] = []
  beforeListening?.(server)
  server.on('upgrade', (_req, socket: Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\n')
    socket.on('data', (chunk) => socket.write(chunk))
    upgraded.push(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    for (const socket of upgraded) socket.destroy()
    server.closeAllConnections()
    server.close()
  })
  return { server, upgraded, port: (server.address() as AddressInfo).port }
}

async function upgrade(port: number) {
  const raw = await RawClient.connect(port)
  onTestFinished(() => raw.close())
  raw.socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n')
  await once(raw.socket, 'data')
  return raw
}

describe('upgraded sockets', () => {
  it('are left to the app during the drain, which ends when they close', async () => {
    const { server, upgraded, port } = await upgradeServer()
    const ld = lameduck({ signals: false, idleGrace: 20, timeout: 5_000 })
    ld.attach(server)
    const raw = await upgrade(port)
    ld.signal.addEventListener('abort', () => {
      // The app hears of the drain and closes its upgraded connections in its own protocol.
      setTimeout(() => {
        for (const socket of upgraded) socket.end('bye\n')
      }, 100)
    })
    const report = await ld.shutdown()
    expect(report.ok).toBe(true)
    expect(report.sockets.idleClosed).toBe(0)
    expect(report.durations.drain).toBeGreaterThanOrEqual(95)
    expect((await raw.closed).error).toBeUndefined()
  })

  it('are destroyed at the deadline and reported, the upgrade listener added after attach', async () => {
    const ld = lameduck({ signals: false, idleGrace: 20, timeout: 200 })
    const { port } = await upgradeServer((server) => ld.attach(server))
    const raw = await upgrade(port)
    raw.socket.write('still here\n')
    await once(raw.socket, 'data')
    const report = await ld.shutdown()
    expect(report.ok).toBe(false)
    expect(report.sockets).toMatchObject({ forced: 1, forcedUpgraded: 1, idleClosed: 0 })
    expect(report.requests.forced).toBe(0)
    await raw.closed
  })

  it('leave requests with an Upgrade header alone when the app has no upgrade listener', async () => {
    const server = createServer((_req, res) => res.end('plain'))
    lameduck({ signals: false }).attach(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.closeAllConnections()
      server.close()
    })
    const raw = await RawClient.connect((server.address() as AddressInfo).port)
    onTestFinished(() => raw.close())
    raw.socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n')
    expect((await raw.read()).body).toBe('plain')
    expect(server.listenerCount('upgrade')).toBe(0)
  })

  // Node 26 hands the app an UpgradeStream and keeps the connection in its own list, with no
  // response, until the request body has ended (nodejs/node#60016); earlier lines upgrade at once.
  it('leaves an upgrade whose request body is still arriving to the app, and counts it once', async () => {
    const ld = lameduck({ signals: false, idleGrace: 20, timeout: 300 })
    const { port } = await upgradeServer((server) => ld.attach(server))
    const raw = await RawClient.connect(port)
    onTestFinished(() => raw.close())
    raw.socket.write(
      'POST / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: echo\r\ncontent-length: 10\r\n\r\n12345',
    )
    await once(raw.socket, 'data')
    const report = ld.shutdown()
    // During the drain the connection still carries the upgraded protocol.
    const echoed = new Promise<void>((resolve) => {
      raw.socket.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ping')) resolve()
      })
    })
    raw.socket.write('67890ping\n')
    await echoed
    const result = await report
    expect(result.sockets).toMatchObject({ forced: 1, forcedUpgraded: 1, idleClosed: 0 })
    expect(result.requests.forced).toBe(0)
    await raw.closed
  })
})
