// systemd's fd store: the supervisor gives the service manager a copy of each listening socket,
// named after its --listen address; after a restart (`systemctl restart`, to upgrade lameduck or
// Node) the new supervisor gets them back in LISTEN_FDS/LISTEN_FDNAMES and takes each by name.
// The socket never closes in between: connections made during the restart wait in its backlog.
import type { ListenAddress } from './options.js'
import { activatedSockets, type BoundSocket, bindSockets, socketFromFd } from './sockets.js'

const PREFIX = 'lameduck-'

/** The FDNAME of the socket for `address`: ':' is LISTEN_FDNAMES' separator, so not in it. */
export function fdName({ host, port }: ListenAddress): string {
  return `${PREFIX}${host.replaceAll(':', '_')}-${port}`
}

export interface StoredSockets {
  /** One per --listen address, in their order: taken back from the store, else bound now. */
  sockets: BoundSocket[]
  /** The addresses bound now: not in the store yet. */
  bound: ListenAddress[]
  /** Names of stored sockets no --listen address asks for any more (closed here). */
  stale: string[]
}

/**
 * The sockets for `listen`, taking back those the service manager handed over from its fd store
 * (every LISTEN_FDNAMES name one of ours). Undefined when this process was handed none, or
 * sockets that are not from the store (socket activation by a .socket unit: used as they are).
 */
export function storedSockets(
  listen: readonly ListenAddress[],
  env: NodeJS.ProcessEnv = process.env,
): StoredSockets | undefined {
  const count = Number(env.LISTEN_FDS)
  if (!Number.isInteger(count) || count < 1 || Number(env.LISTEN_PID) !== process.pid) {
    return undefined
  }
  const names = (env.LISTEN_FDNAMES ?? '').split(':')
  if (names.length !== count || !names.every((name) => name.startsWith(PREFIX))) return undefined
  const byName = new Map(names.map((name, i) => [name, 3 + i]))
  const sockets: BoundSocket[] = []
  const bound: ListenAddress[] = []
  for (const address of listen) {
    const fd = byName.get(fdName(address))
    byName.delete(fdName(address))
    if (fd === undefined) {
      sockets.push(...bindSockets([address]))
      bound.push(address)
    } else {
      sockets.push(socketFromFd(fd))
    }
  }
  for (const fd of byName.values()) socketFromFd(fd).close()
  return { sockets, bound, stale: [...byName.keys()] }
}

/**
 * The supervisor's sockets: those systemd's fd store handed back (by name), else those a
 * .socket unit passed (used as they are), else bound now. `toStore` pairs each socket (by index)
 * the fd store does not hold yet with its --listen address; `stale` names stored sockets no
 * address asks for any more.
 */
export function takeSockets(listen: readonly ListenAddress[]): {
  sockets: BoundSocket[]
  toStore: [number, ListenAddress][]
  stale: string[]
} {
  const stored = storedSockets(listen)
  if (stored !== undefined) {
    const toStore = stored.bound.map((a): [number, ListenAddress] => [listen.indexOf(a), a])
    return { sockets: stored.sockets, toStore, stale: stored.stale }
  }
  const activated = activatedSockets()
  if (activated !== undefined) return { sockets: activated, toStore: [], stale: [] }
  const sockets = bindSockets(listen)
  return { sockets, toStore: listen.map((a, i): [number, ListenAddress] => [i, a]), stale: [] }
}
