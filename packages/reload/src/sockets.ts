// The supervisor binds each address once and keeps the socket for its whole life: workers come
// and go, connections wait in the socket's backlog in between, and nobody ever gets ECONNREFUSED.

import net, { isIPv6 } from 'node:net'
import { LameduckError } from '@lameduck/core'
import type { ListenAddress } from './options.js'

export interface BoundSocket {
  fd: number
  host: string
  port: number
  close(): void
}

interface ServerHandle {
  fd: number
  getsockname(out: { port?: number }): number
  close(): void
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: 4 | 6,
  fd: undefined,
  flags: number,
) => ServerHandle | number

/**
 * Binds without listening: the supervisor must never accept a connection itself, since it runs
 * no app code. Workers call `listen()` on the inherited descriptor. Uses Node's
 * `net._createServerHandle`, which has no public equivalent; feature-tested here.
 */
export function bindSockets(addresses: readonly ListenAddress[]): BoundSocket[] {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })
    ._createServerHandle
  if (typeof create !== 'function') {
    throw new LameduckError(
      'LAMEDUCK_ERR_UNSUPPORTED',
      'This Node.js cannot bind a socket for workers',
    )
  }
  const bound: BoundSocket[] = []
  for (const { host, port } of addresses) {
    const handle = create(host, port, isIPv6(host) ? 6 : 4, undefined, 0)
    if (typeof handle === 'number') {
      for (const socket of bound) socket.close()
      throw new LameduckError(
        'LAMEDUCK_ERR_LISTEN',
        `Cannot bind ${host}:${port} (errno ${handle})`,
      )
    }
    const name: { port?: number } = {}
    handle.getsockname(name)
    bound.push({ fd: handle.fd, host, port: name.port ?? port, close: () => handle.close() })
  }
  return bound
}
