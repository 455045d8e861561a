// The two private Node APIs `lameduck run` uses, kept here and checked before use: the
// supervisor binds sockets with `net._createServerHandle`, and a worker's preload replaces
// `net.Server.prototype.listen`. A runtime without them is refused with LAMEDUCK_ERR_UNSUPPORTED.
import net, { Server as NetServer } from 'node:net'
import { UnsupportedError } from '@lameduck/core'
import { currentRuntime } from '@lameduck/core/worker'

export interface ServerHandle {
  fd: number
  getsockname(out: { address?: string; port?: number }): number
  close(): void
}

/** Binds (without listening) `address:port`, or wraps an inherited `fd`; a number is an errno. */
export type CreateServerHandle = (
  address: string | null,
  port: number | null,
  addressType: 4 | 6 | null,
  fd: number | undefined,
  flags: number,
) => ServerHandle | number

/**
 * Node's `net._createServerHandle`, which `net.Server.listen` uses inside and which has no public
 * equivalent that binds without listening (Node 26's `net.BoundSocket` is not on 20, 22 or 24).
 */
export function createServerHandle(): CreateServerHandle {
  const runtime = currentRuntime()
  // Workers are forked with `node --require` for the preload, which Deno ignores and Bun's fork
  // does not promise: a worker there would serve without lameduck, so refuse before binding.
  if (runtime.name !== 'Node.js') {
    throw new UnsupportedError('Node.js, to fork workers with its preload (--require)', runtime)
  }
  const create = (net as unknown as { _createServerHandle?: unknown })._createServerHandle
  if (typeof create !== 'function') {
    throw new UnsupportedError(
      'net._createServerHandle, to bind a socket for workers',
      currentRuntime(),
    )
  }
  return create as CreateServerHandle
}

type Listen = (this: NetServer, ...args: unknown[]) => NetServer

/**
 * Replaces `net.Server.prototype.listen` for this worker process; the returned function puts
 * Node's back. Refused where `listen` is not a replaceable method of `net.Server.prototype`.
 */
export function replaceListen(replacement: (original: Listen) => Listen): {
  original: Listen
  restore(): void
} {
  const descriptor = Object.getOwnPropertyDescriptor(NetServer.prototype, 'listen')
  const original = descriptor?.value as unknown
  if (typeof original !== 'function' || descriptor?.writable !== true) {
    throw new UnsupportedError(
      'a replaceable net.Server.prototype.listen, to hand the app the supervisor socket',
      currentRuntime(),
    )
  }
  const restore = () => {
    NetServer.prototype.listen = original as typeof NetServer.prototype.listen
  }
  NetServer.prototype.listen = replacement(original as Listen) as typeof NetServer.prototype.listen
  return { original: original as Listen, restore }
}
