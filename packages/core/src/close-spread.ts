// The goodbyes of long-lived connections (WebSocket clients, event streams, HTTP/2 sessions, idle
// keep-alive sockets). None is said before the listener closes: until then the instance may still
// be in a load balancer's rotation, and a client told to go would reconnect to it. From then on
// each is said at its own random moment within `closeSpread` ms, so that thousands of clients do
// not reconnect to the rest of the fleet in the same few milliseconds.
import type { Lameduck } from './types.js'

/** A goodbye: returns false when there was no one left to tell (the connection had gone). */
export type Goodbye = () => boolean

export interface Goodbyes {
  /**
   * Says `goodbye` at a random moment of the window, once it is open (at once when the window is
   * 0, or over), and not before `notBefore` (a `performance.now()` time) if the window lasts that
   * long. Returns a function that cancels it.
   */
  schedule(goodbye: Goodbye, notBefore?: number): () => void
  /** Runs `fn` when the listener closes, at once if it has. Returns a function that cancels it. */
  onOpen(fn: () => void): () => void
  /** The listener closes: the window of `ms` opens. */
  open(ms: number): void
  /** The drain is over: goodbyes not yet said are dropped, later ones are said at once. */
  stop(): void
  /** How many goodbyes were said at a moment of a window, and that window's length in ms. */
  readonly counts: { readonly spread: number; readonly window: number }
}

export function createGoodbyes(): Goodbyes {
  let state: 'before' | 'open' | 'over' = 'before'
  let opened = 0
  const counts = { spread: 0, window: 0 }
  // Goodbyes waiting for the window to open, each with its `notBefore` and what cancels it once
  // armed.
  const pending = new Map<Goodbye, { notBefore: number; armed(cancel: () => void): void }>()
  const openers = new Set<() => void>()
  const timers = new Set<NodeJS.Timeout>()

  function arm(goodbye: Goodbye, notBefore = 0): () => void {
    // Drawn from what is left of the window after `notBefore`: drawn from the whole window and
    // then held until `notBefore`, the early ones would all go together at `notBefore`.
    const earliest = Math.min(Math.max(0, notBefore - opened), counts.window)
    const moment = opened + earliest + Math.random() * (counts.window - earliest)
    const wait = moment - performance.now()
    if (state === 'over' || wait <= 0) {
      say(goodbye)
      return () => {}
    }
    const timer = setTimeout(() => {
      timers.delete(timer)
      say(goodbye)
    }, wait)
    // The connections themselves keep the process alive until their goodbye.
    timer.unref()
    timers.add(timer)
    return () => {
      clearTimeout(timer)
      timers.delete(timer)
    }
  }

  function say(goodbye: Goodbye): void {
    if (goodbye() !== false && counts.window > 0 && state === 'open') counts.spread++
  }

  return {
    counts,
    schedule(goodbye, notBefore) {
      if (state !== 'before') return arm(goodbye, notBefore)
      const entry: { cancel: () => void } = { cancel: () => pending.delete(goodbye) }
      pending.set(goodbye, {
        notBefore: notBefore ?? 0,
        armed(cancel) {
          entry.cancel = cancel
        },
      })
      return () => entry.cancel()
    },
    onOpen(fn) {
      if (state !== 'before') {
        fn()
        return () => {}
      }
      openers.add(fn)
      return () => void openers.delete(fn)
    },
    open(ms) {
      if (state !== 'before') return
      state = 'open'
      opened = performance.now()
      counts.window = ms
      for (const fn of openers) fn()
      openers.clear()
      for (const [goodbye, { notBefore, armed }] of pending) armed(arm(goodbye, notBefore))
      pending.clear()
    },
    stop() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      pending.clear()
      openers.clear()
      state = 'over'
    },
  }
}

// Each handle's goodbyes, for `closeWebSocketsOnDrain`, which is given the handle.
const registry = new WeakMap<Lameduck, Goodbyes>()

export function registerGoodbyes(handle: Lameduck, goodbyes: Goodbyes): void {
  registry.set(handle, goodbyes)
}

/** The goodbyes of `handle`, or none for a handle of another copy of this package. */
export function goodbyesOf(handle: Lameduck): Goodbyes | undefined {
  return registry.get(handle)
}
