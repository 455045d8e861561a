// notify(): datagrams and descriptors to a receiver the test owns (Python, as a service manager
// would bind it), over the real kernel.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { notify } from '../src/index.js'

const RECEIVER = fileURLToPath(new URL('./fixtures/notify-receiver.py', import.meta.url))

interface Datagram {
  text: string
  pid: number
  fds: { port?: number | null; listening?: boolean; type?: number }[]
}

/** Starts the receiver at `path`; resolves once bound, with what it receives. */
async function receiver(
  path: string,
): Promise<{ child: ChildProcess; received: Datagram[]; next(): Promise<Datagram> }> {
  const child = spawn('python3', [RECEIVER, path, '20'], { stdio: ['ignore', 'pipe', 'inherit'] })
  onTestFinished(() => {
    child.kill()
  })
  const received: Datagram[] = []
  const waiting: ((datagram: Datagram) => void)[] = []
  const lines = createInterface({ input: child.stdout! })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)))
    lines.once('line', () => resolve())
  })
  lines.on('line', (line) => {
    const datagram = JSON.parse(line) as Datagram
    received.push(datagram)
    waiting.shift()?.(datagram)
  })
  const next = () =>
    new Promise<Datagram>((resolve) => {
      if (received.length > waiting.length) resolve(received[waiting.length]!)
      waiting.push(resolve)
    })
  return { child, received, next }
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syn-guard-notify-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('notify', () => {
  it('sends each message as one datagram, in order, from this process', async () => {
    const path = join(tempDir(), 'notify.sock')
    const { child, received } = await receiver(path)
    notify(path, 'READY=1\nSTATUS=serving')
    notify(path, 'RELOADING=1\nMONOTONIC_USEC=1')
    notify(path, 'EXIT=1')
    await once(child, 'exit')
    expect(received.map((d) => d.text)).toEqual([
      'READY=1\nSTATUS=serving',
      'RELOADING=1\nMONOTONIC_USEC=1',
      'EXIT=1',
    ])
    expect(received.map((d) => d.pid)).toEqual([process.pid, process.pid, process.pid])
  })

  it('hands over file descriptors: the receiver holds the listening socket', async () => {
    const path = `@syn-guard-test-${process.pid}-${Date.now()}`
    const { next } = await receiver(path)
    const server = createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      server.close()
    })
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd
    notify(path, 'FDSTORE=1\nFDNAME=api', [fd])
    const datagram = await next()
    expect(datagram.text).toBe('FDSTORE=1\nFDNAME=api')
    expect(datagram.fds).toEqual([
      { port: (server.address() as { port: number }).port, listening: true },
    ])
    notify(path, 'EXIT=1')
  })

  it('throws a system error when nobody listens, and a TypeError on bad input', () => {
    const path = join(tempDir(), 'nobody.sock')
    expect(() => notify(path, 'READY=1')).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'sendmsg' }),
    )
    expect(() => notify('relative.sock', 'READY=1')).toThrow(TypeError)
    expect(() => notify(path, '')).toThrow(TypeError)
    expect(() => notify(path, 'x'.repeat(5000))).toThrow(TypeError)
    expect(() => notify(path, 'READY=1', [-1])).toThrow(TypeError)
  })
})
