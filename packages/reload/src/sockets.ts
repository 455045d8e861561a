// The supervisor binds each address once and keeps the socket for its whole life: workers come
// and go, connections wait in the socket's backlog in between, and nobody ever gets ECONNREFUSED.

import { isIPv6 } from 'node:net'
import { ListenError } from '@lameduck/core'
import { createServerHandle } from './node-internals.js'
import type { ListenAddress } from './options.js'

export interface BoundSocket {
  fd: number
  host: string
  port: number
  close(): void
}

/**
 * Binds without listening: the supervisor must never accept a connection itself, since it runs
 * no app code. Workers call `listen()` on the inherited descriptor.
 */
export function bindSockets(addresses: readonly ListenAddress[]): BoundSocket[] {
  const create = createServerHandle()
  const bound: BoundSocket[] = []
  for (const { host, port } of addresses) {
    const handle = create(host, port, isIPv6(host) ? 6 : 4, undefined, 0)
    if (typeof handle === 'number') {
      for (const socket of bound) socket.close()
      throw new ListenError(`${host}:${port}`, `Cannot bind ${host}:${port} (errno ${handle})`)
    }
    // libuv defers EADDRINUSE from bind() to listen(), so a busy port looks bound here; the
    // first worker's listen() would then bind the socket to a random port instead. An unbound
    // socket has no port: that is the tell.
    const name: { port?: number } = {}
    handle.getsockname(name)
    if (!name.port || (port !== 0 && name.port !== port)) {
      handle.close()
      for (const socket of bound) socket.close()
      throw new ListenError(`${host}:${port}`, `Cannot bind ${host}:${port}: address in use`)
    }
    bound.push({ fd: handle.fd, host, port: name.port, close: () => handle.close() })
  }
  return bound
}

/**
 * Sockets passed by systemd socket activation (`LISTEN_FDS`, `LISTEN_PID`), used as they are:
 * fds 3, 4, ... Undefined when this process was not socket-activated.
 */
export function activatedSockets(env: NodeJS.ProcessEnv = process.env): BoundSocket[] | undefined {
  const count = Number(env.LISTEN_FDS)
  if (!Number.isInteger(count) || count < 1 || Number(env.LISTEN_PID) !== process.pid)
    return undefined
  return Array.from({ length: count }, (_, i) => socketFromFd(3 + i))
}

/** The listening socket this process inherited at `fd`. */
export function socketFromFd(fd: number): BoundSocket {
  const handle = createServerHandle()(null, null, null, fd, 0)
  if (typeof handle === 'number') {
    throw new ListenError(`fd ${fd}`, `LISTEN_FDS: fd ${fd} is not a socket`)
  }
  const name: { address?: string; port?: number } = {}
  handle.getsockname(name)
  return {
    fd: handle.fd,
    host: name.address ?? '',
    port: name.port ?? 0,
    close: () => handle.close(),
  }
}
