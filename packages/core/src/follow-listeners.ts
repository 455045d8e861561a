import type { EventEmitter } from 'node:events'

type Listener = Parameters<EventEmitter['on']>[1]

/**
 * Keeps each of lameduck's `listeners` on `server` exactly when the app listens to that event,
 * and first in line; returns a function that removes them. Node behaves differently depending on
 * whether anyone listens: without a listener it answers 'upgrade' and 'connect' requests itself,
 * and a 'request' listener turns on HTTP/2's compatibility layer. `Connection: close` must also
 * be set before the app's handler runs.
 */
export function followServerEvents(
  server: EventEmitter,
  listeners: Readonly<Record<string, Listener>>,
): () => void {
  const followed = new Map<string | symbol, Listener>(Object.entries(listeners))

  function following(event: string | symbol, ours: Listener): boolean {
    return server.listeners(event).includes(ours)
  }

  function onNewListener(event: string | symbol, listener: unknown): void {
    const ours = followed.get(event)
    if (ours !== undefined && listener !== ours && !following(event, ours)) {
      server.prependListener(event, ours)
    }
  }

  function onRemoveListener(event: string | symbol): void {
    const ours = followed.get(event)
    if (ours !== undefined && following(event, ours) && server.listenerCount(event) === 1) {
      server.off(event, ours)
    }
  }

  for (const [event, ours] of followed) {
    if (server.listenerCount(event) > 0) server.prependListener(event, ours)
  }
  server.on('newListener', onNewListener)
  server.on('removeListener', onRemoveListener)

  return () => {
    for (const [event, ours] of followed) server.off(event, ours)
    server.off('newListener', onNewListener)
    server.off('removeListener', onRemoveListener)
  }
}
