import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { queueConnections } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { dropNewHandshakes, pendingConnections, unavailable } from '../src/index.js'

const REQUEST = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'

/** A TCP server answering each complete request it reads; its listening fd. */
async function listening(): Promise<{ server: Server; port: number; fd: number }> {
  const server = createServer((socket) => {
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => {
      received += chunk
      if (received.endsWith('hello')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.close()
  })
  const fd = (server as Server & { _handle: { fd: number } })._handle.fd
  return { server, port: (server.address() as { port: number }).port, fd }
}

describe('@lameduck/syn-guard', () => {
  it('is available on Linux, where this suite runs', () => {
    expect(process.platform).toBe('linux')
    expect(unavailable).toBeUndefined()
  })

  it('counts the completed connections waiting in the accept queue', async () => {
    const { fd, port } = await listening()
    expect(pendingConnections(fd)).toBe(0)
    const outcomes = queueConnections(port, 3, REQUEST)
    expect(pendingConnections(fd)).toBe(3)
    expect(await outcomes).toEqual(['answered 200', 'answered 200', 'answered 200'])
    expect(pendingConnections(fd)).toBe(0)
  })

  it('counts a handshake in progress (SYN answered, final ACK held back) until it completes', async () => {
    const { fd, port } = await listening()
    // TCP_DEFER_ACCEPT keeps a connection half-open until its first data; Node cannot set it,
    // Python (which node-gyp needs anyway) sets it on the shared socket.
    const python = spawnSync(
      'python3',
      [
        '-c',
        'import socket; s = socket.socket(fileno=3); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 5); s.detach()',
      ],
      { stdio: ['ignore', 'inherit', 'inherit', fd] },
    )
    expect(python.status).toBe(0)
    const client = connect(port, '127.0.0.1')
    onTestFinished(() => {
      client.destroy()
    })
    await once(client, 'connect')
    expect(pendingConnections(fd)).toBe(1)
    client.resume()
    client.end(REQUEST)
    await once(client, 'close')
    expect(pendingConnections(fd)).toBe(0)
  })

  it('after dropNewHandshakes, queued connections are still accepted and their requests read', async () => {
    const { fd, port } = await listening()
    const outcomes = queueConnections(port, 3, REQUEST)
    dropNewHandshakes(fd)
    expect(await outcomes).toEqual(['answered 200', 'answered 200', 'answered 200'])
  })

  it('a connection attempted after it is refused once the listener closes, never reset', async () => {
    const { server, fd, port } = await listening()
    dropNewHandshakes(fd)
    const started = performance.now()
    const client: Socket = connect(port, '127.0.0.1')
    const outcome = new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'))
      client.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    })
    // net.connect calls connect(2), which sends the SYN, on the next tick; the SYN is dropped,
    // so the client is still connecting when the listener closes.
    await new Promise((resolve) => setImmediate(resolve))
    expect(client.connecting).toBe(true)
    server.close()
    expect(await outcome).toBe('ECONNREFUSED')
    // Refused at the client's SYN retransmission (about 1 s), not at once by a reset.
    expect(performance.now() - started).toBeGreaterThan(500)
  })

  it('does not count a connection whose SYN it dropped', async () => {
    const { fd, port } = await listening()
    dropNewHandshakes(fd)
    const client = connect(port, '127.0.0.1')
    client.on('error', () => {})
    onTestFinished(() => {
      client.destroy()
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(client.connecting).toBe(true)
    expect(pendingConnections(fd)).toBe(0)
  })

  it('rejects what is not the fd of a listening TCP socket', async () => {
    expect(() => pendingConnections(-1)).toThrow(TypeError)
    expect(() => dropNewHandshakes(Number.NaN)).toThrow(TypeError)
    const { port } = await listening()
    const client = connect(port, '127.0.0.1')
    await once(client, 'connect')
    onTestFinished(() => {
      client.destroy()
    })
    const fd = (client as Socket & { _handle: { fd: number } })._handle.fd
    expect(() => pendingConnections(fd)).toThrow(/not a listening TCP socket/)
    expect(() => dropNewHandshakes(fd)).toThrow(/not a listening TCP socket/)
  })
})
