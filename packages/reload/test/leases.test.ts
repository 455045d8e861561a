// The supervisor's lease table on its own, with stand-in workers: who may be granted a singleton,
// and when. The same rules with real workers, reloads and a SIGKILL: singleton.test.ts.
import type { LeaseMessage } from '@lameduck/core/worker'
import { describe, expect, it, vi } from 'vitest'
import { createLeases } from '../src/leases.js'
import type { Worker } from '../src/worker.js'

function setup() {
  const serving = new Set<Worker>()
  const granted: number[] = []
  const lines: string[] = []
  const log = (_obj: unknown, msg?: string) => lines.push(msg!)
  const logger = { debug() {}, info: log, warn: log, error: log }
  const leases = createLeases({ logger, serving: (w) => serving.has(w) })
  const worker = (pid: number, generation: number) =>
    ({
      pid,
      generation,
      send(message: LeaseMessage) {
        if (message.lameduck === 'granted') granted.push(pid)
      },
    }) as Worker
  const acquire = (w: Worker) => leases.receive(w, { lameduck: 'acquire', name: 'cron' })
  const release = (w: Worker) => leases.receive(w, { lameduck: 'release', name: 'cron' })
  return { serving, granted, lines, leases, worker, acquire, release }
}

describe('the lease table', () => {
  it('grants a name to one serving worker; the next one only once it is released', () => {
    const { serving, granted, leases, worker, acquire, release } = setup()
    const [a, b] = [worker(1, 1), worker(2, 1)]
    acquire(a)
    acquire(b)
    // Not serving yet (the generation is starting): nothing granted.
    expect(granted).toEqual([])
    serving.add(a).add(b)
    leases.grantFree()
    leases.grantFree()
    expect(granted).toEqual([1])
    expect(leases.status()).toEqual([{ name: 'cron', pid: 1, generation: 1, waiting: 1 }])
    release(a)
    expect(granted).toEqual([1, 2])
  })

  it('a reload: the new generation waits for the old holder, a rolled-back one gets nothing', () => {
    const { serving, granted, leases, worker, acquire, release } = setup()
    const old = worker(1, 1)
    const rolledBack = worker(2, 2)
    const next = worker(3, 3)
    serving.add(old)
    acquire(old)
    acquire(rolledBack)
    acquire(next)
    expect(granted).toEqual([1])
    // Generation 2 failed: it never served, even while the lease is free.
    serving.delete(old)
    release(old)
    leases.exited(rolledBack, 0)
    expect(granted).toEqual([1])
    expect(leases.status()).toMatchObject([{ pid: null, waiting: 1 }])
    serving.add(next)
    leases.grantFree()
    expect(granted).toEqual([1, 3])
  })

  it('a holder that dies: the lease moves after the delay, not before', () => {
    vi.useFakeTimers()
    try {
      const { serving, granted, lines, leases, worker, acquire } = setup()
      const [a, b] = [worker(1, 1), worker(2, 1)]
      serving.add(a).add(b)
      acquire(a)
      acquire(b)
      serving.delete(a)
      leases.exited(a, 100)
      vi.advanceTimersByTime(99)
      leases.grantFree()
      expect(granted).toEqual([1])
      vi.advanceTimersByTime(1)
      expect(granted).toEqual([1, 2])
      expect(lines).toContain(
        'lameduck: singleton "cron" freed: worker 1 exited holding it; handed over after the respawn backoff, 100 ms',
      )
      expect(lines.at(-1)).toMatch(
        /^lameduck: singleton "cron" handed over to worker 2, \d+ ms after worker 1 exited$/,
      )
    } finally {
      vi.useRealTimers()
    }
  })

  it('a release from a worker that does not hold it withdraws its request; closed, nothing moves', () => {
    const { serving, granted, leases, worker, acquire, release } = setup()
    const [a, b, c] = [worker(1, 1), worker(2, 1), worker(3, 1)]
    serving.add(a).add(b).add(c)
    acquire(a)
    acquire(b)
    acquire(c)
    release(b)
    release(a)
    expect(granted).toEqual([1, 3])
    leases.close()
    release(c)
    acquire(a)
    leases.grantFree()
    expect(granted).toEqual([1, 3])
  })
})
