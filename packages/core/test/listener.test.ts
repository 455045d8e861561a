// The instant the listener closes: connections the kernel has completed but Node has not yet
// accepted. Closed at once they are reset, after the client sent its request; with the optional
// @lameduck/syn-guard installed (it is, in this workspace) they are accepted and served first.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, Server as NetServer } from 'node:net'
import { lameduck } from '@lameduck/core'
import { queueConnections } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { closeListener } from '../src/listener.js'
import { ownListenerFd } from '../src/node-internals.js'

const REQUEST = 'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'

async function drainedApp(synGuard: boolean) {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.end('stored'))
  })
  const ld = lameduck({ signals: false, timeout: 5_000, synGuard })
  await ld.listen(server, { port: 0, host: '127.0.0.1' })
  onTestFinished(() => {
    server.closeAllConnections()
    server.close()
  })
  return { ld, port: (server.address() as AddressInfo).port }
}

describe('closing the listener with connections in its accept queue', () => {
  it('with @lameduck/syn-guard, every queued request is served, then new connections are refused', async () => {
    const { ld, port } = await drainedApp(true)
    const outcomes = queueConnections(port, 5, REQUEST)
    // Synchronously: Node has accepted none of the five when the drain starts.
    const report = ld.shutdown('test')
    expect(await outcomes).toEqual(Array(5).fill('answered 200'))
    expect((await report).requests.drained).toBe(5)
    expect((await report).synGuardUnavailable).toBeUndefined()
    const late = connect(port, '127.0.0.1')
    const [error] = (await once(late, 'error')) as [NodeJS.ErrnoException]
    expect(error.code).toBe('ECONNREFUSED')
  })

  it('with synGuard: false, the kernel resets them (what the guard is for)', async () => {
    const { ld, port } = await drainedApp(false)
    const outcomes = queueConnections(port, 5, REQUEST)
    const report = ld.shutdown('test')
    expect(await outcomes).toEqual(Array(5).fill('ECONNRESET'))
    expect((await report).requests.drained).toBe(0)
  })
})

describe('ownListenerFd: the guard only touches sockets this process bound', () => {
  it('is the fd of a server listening on a port', async () => {
    const server: Server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    expect(ownListenerFd(server)).toBe(
      (server as unknown as { _handle: { fd: number } })._handle.fd,
    )
    expect(ownListenerFd(server)).toBeGreaterThan(2)
  })

  it('is undefined for a server listening on a handle it was given, and before listening', async () => {
    const owner = new NetServer()
    owner.listen(0, '127.0.0.1')
    await once(owner, 'listening')
    const handle = (owner as unknown as { _handle: object })._handle
    const given = createServer()
    expect(ownListenerFd(given)).toBeUndefined()
    given.listen(handle)
    await once(given, 'listening')
    onTestFinished(() => {
      given.close()
    })
    expect(ownListenerFd(given)).toBeUndefined()
  })
})

describe('closeListener with a guard', () => {
  it('closes after at most about 1 s when the queue never empties', async () => {
    const server: Server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const dropped: number[] = []
    const guard = {
      dropNewHandshakes: (fd: number) => {
        dropped.push(fd)
      },
      pendingConnections: () => 1,
    }
    const started = performance.now()
    const closed = new Promise<void>((resolve) => {
      closeListener(server, guard, resolve)
    })
    expect(dropped).toEqual([ownListenerFd(server)])
    expect(server.listening).toBe(true)
    await closed
    expect(server.listening).toBe(false)
    expect(performance.now() - started).toBeGreaterThanOrEqual(990)
  })

  it('closes at once when the guard cannot be used on the socket', async () => {
    const server: Server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const guard = {
      dropNewHandshakes: () => {
        throw new Error('ENOTLISTENING')
      },
      pendingConnections: () => 1,
    }
    const closed = once(server, 'close')
    closeListener(server, guard, () => {})
    expect(server.listening).toBe(false)
    await closed
  })
})
