import type { Socket } from 'node:net'

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
 * request arriving earlier is served, with `Connection: close`. Counts what it closes.
 */
export function createIdleCloser(grace: number, counts: { idleClosed: number }): IdleCloser {
  // Insertion order is expiry order because every socket waits the same grace.
  const idle = new Map<Socket, { expiresAt: number; bytesRead: number }>()
  let timer: NodeJS.Timeout | undefined
  let check: NodeJS.Immediate | undefined

  function add(socket: Socket): void {
    if (grace === 0) {
      close(socket)
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
      // Bytes arrived since the socket went idle: a request is on its way in, so wait for it.
      if (socket.bytesRead !== entry.bytesRead) add(socket)
      else close(socket)
    }
    const next = idle.values().next()
    if (!next.done) arm(next.value.expiresAt - now)
  }

  function close(socket: Socket): void {
    if (socket.destroyed) return
    counts.idleClosed++
    socket.destroy()
  }

  return {
    add,
    delete: (socket) => idle.delete(socket),
    stop() {
      if (timer !== undefined) clearTimeout(timer)
      if (check !== undefined) clearImmediate(check)
      idle.clear()
    },
  }
}
