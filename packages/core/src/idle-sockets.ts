import type { Socket } from 'node:net'
import type { Goodbyes } from './close-spread.js'

export interface IdleCloser {
  /** The socket has no response left: close it once it has been idle for the grace. */
  add(socket: Socket): void
  /** A request arrived on the socket: it is not idle. */
  delete(socket: Socket): void
  /** Forgets every socket and stops the timer. */
  stop(): void
}

/**
 * Closes keep-alive sockets that stay idle for `grace` ms during the drain (at once when 0); a
 * request arriving earlier is served, with `Connection: close`. With a `closeSpread` window, a
 * socket is closed no sooner than its own moment of the window either (close-spread.ts). Counts
 * what it closes.
 */
export function createIdleCloser(
  grace: number,
  counts: { idleClosed: number },
  goodbyes?: Goodbyes,
): IdleCloser {
  // Insertion order is expiry order because every socket waits the same grace.
  const idle = new Map<Socket, { expiresAt: number; bytesRead: number }>()
  // Idle past the grace, waiting for their moment: the bytes read when they went idle.
  const ripe = new Map<Socket, number>()
  // Each socket gets one moment, after its grace when the window allows; those whose moment has
  // come are closed at the grace alone.
  const moments = new WeakMap<Socket, 'waiting' | 'come'>()
  const spreading = goodbyes !== undefined && goodbyes.counts.window > 0
  let timer: NodeJS.Timeout | undefined
  let check: NodeJS.Immediate | undefined

  function add(socket: Socket): void {
    if (spreading && !moments.has(socket)) awaitMoment(socket)
    if (grace === 0) {
      expire(socket, socket.bytesRead)
      return
    }
    idle.delete(socket)
    idle.set(socket, { expiresAt: performance.now() + grace, bytesRead: socket.bytesRead })
    if (timer === undefined) arm(grace)
  }

  function arm(ms: number): void {
    timer = setTimeout(afterNextRead, Math.max(0, Math.ceil(ms)))
  }

  // A timer that comes due while the event loop was busy runs before the loop reads the sockets,
  // so a request already waiting in the kernel would look like silence; deciding after the next
  // poll phase (a `setImmediate`) sees it.
  function afterNextRead(): void {
    check = setImmediate(closeExpired)
  }

  function closeExpired(): void {
    timer = undefined
    check = undefined
    const now = performance.now()
    for (const [socket, entry] of idle) {
      if (entry.expiresAt > now) break
      idle.delete(socket)
      expire(socket, entry.bytesRead)
    }
    const next = idle.values().next()
    if (!next.done) arm(next.value.expiresAt - now)
  }

  /** The socket has been idle for the grace: closed now, or at its moment if it has not come. */
  function expire(socket: Socket, bytesRead: number): void {
    if (moments.get(socket) === 'waiting') ripe.set(socket, bytesRead)
    // Bytes arrived since the socket went idle: a request is on its way in, so wait for it.
    else if (socket.bytesRead !== bytesRead) add(socket)
    else close(socket)
  }

  function awaitMoment(socket: Socket): void {
    moments.set(socket, 'waiting')
    goodbyes?.schedule(() => {
      moments.set(socket, 'come')
      const bytesRead = ripe.get(socket)
      if (bytesRead === undefined) return idle.has(socket)
      ripe.delete(socket)
      expire(socket, bytesRead)
      return true
    }, performance.now() + grace)
  }

  function close(socket: Socket): void {
    if (socket.destroyed) return
    counts.idleClosed++
    socket.destroy()
  }

  return {
    add,
    delete(socket) {
      idle.delete(socket)
      ripe.delete(socket)
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer)
      if (check !== undefined) clearImmediate(check)
      idle.clear()
      ripe.clear()
    },
  }
}
