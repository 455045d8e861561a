// `lameduck run` under a service manager: the sd_notify datagrams it sends and the fd store,
// against a stand-in for systemd that the test owns (Python: the notification socket, the fd
// store, starting the service with LISTEN_FDS). Real systemd is never run here.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type Datagram,
  isDatagram,
  isExit,
  startServiceManager,
  wrkPost,
} from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'
import { text } from './run.js'

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
const app = fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url))

async function underServiceManager(version: string) {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-sd-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const versionFile = join(dir, 'version')
  const setVersion = (v: string) => writeFileSync(versionFile, v)
  setVersion(version)
  const control = join(dir, 'control.sock')
  const manager = await startServiceManager(join(dir, 'notify.sock'), {
    env: { APP_VERSION_FILE: versionFile },
  })
  const argv = [
    process.execPath,
    cli,
    'run',
    '--listen',
    '127.0.0.1:0',
    '--control',
    control,
    '--',
    app,
  ]
  /** Runs `lameduck reload` against the supervisor: its exit code. */
  const reload = async () => {
    const run = spawn(process.execPath, [cli, 'reload', '--control', control], { stdio: 'ignore' })
    const [code] = await once(run, 'exit')
    return code as number
  }
  return { manager, argv, setVersion, reload }
}

describe('lameduck run with NOTIFY_SOCKET (sd_notify)', () => {
  it('start, reload, rolled-back reload, stop with a long drain: the datagrams, in order', async () => {
    const { manager, argv, setVersion, reload } = await underServiceManager('v1')
    manager.start(argv)
    const ready = await manager.datagram(2)
    const [stored] = manager.datagrams()
    expect(stored!.text).toBe('FDSTORE=1\nFDNAME=lameduck-127.0.0.1-0')
    const port = stored!.fds[0]!.port!
    expect(stored!.fds).toEqual([{ port, listening: true }])
    expect(ready.text).toBe('READY=1\nSTATUS=generation 1, 1 workers')
    expect(await text(port)).toBe('v1')

    setVersion('v2')
    expect(await reload()).toBe(0)
    const [reloading, reloaded] = [await manager.datagram(3), await manager.datagram(4)]
    expect(reloading.text).toMatch(
      /^RELOADING=1\nMONOTONIC_USEC=(\d+)\nSTATUS=reloading: generation 2 starting\nEXTEND_TIMEOUT_USEC=62000000$/,
    )
    // CLOCK_MONOTONIC, as systemd reads it: at or before the moment the receiver read it.
    const stamp = Number(/MONOTONIC_USEC=(\d+)/.exec(reloading.text)![1])
    expect(stamp).toBeLessThanOrEqual(reloading.at)
    expect(stamp).toBeGreaterThan(reloading.at - 5_000_000)
    expect(reloaded.text).toMatch(
      /^READY=1\nSTATUS=generation 2, 1 workers, last reload ok in \d+ ms$/,
    )
    expect(await text(port)).toBe('v2')

    setVersion('crash')
    expect(await reload()).toBe(1)
    const [again, rolledBack] = [await manager.datagram(5), await manager.datagram(6)]
    expect(again.text).toMatch(
      /^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=reloading: generation 3 starting\n/,
    )
    expect(rolledBack.text).toMatch(
      /^READY=1\nSTATUS=generation 2, 1 workers, last reload rolled back: .*exited/,
    )
    expect(await text(port)).toBe('v2')

    // A request that takes 1.5 s is in flight when the stop starts.
    const slow = text(port, '/slow')
    await new Promise((resolve) => setTimeout(resolve, 300))
    manager.signal('SIGTERM')
    const stopping = await manager.datagram(7)
    expect(stopping.text).toBe(
      'STOPPING=1\nSTATUS=stopping: draining 1 workers\nEXTEND_TIMEOUT_USEC=32000000',
    )
    expect(await slow).toBe('v2 slow')
    expect(await manager.next(isExit)).toEqual({ exited: 0 })
    expect(manager.datagrams()).toHaveLength(7)
    const supervisorPid = manager.events.find((e) => 'started' in e) as { started: number }
    expect(manager.datagrams().every((d) => d.pid === supervisorPid.started)).toBe(true)
  })

  it('a restart through the fd store keeps the socket open: wrk POSTs see 0 failed, 0 refused', async () => {
    const { manager, argv } = await underServiceManager('v1')
    manager.start(argv)
    await manager.datagram(2)
    const port = manager.datagrams()[0]!.fds[0]!.port!
    const load = wrkPost(port, 10)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    // systemctl restart: stop the service, then start it again with what the fd store holds.
    manager.signal('SIGTERM')
    await manager.next(isExit)
    const before = manager.events.length
    manager.start(argv)
    await manager.next(
      (e): e is { datagram: Datagram } => isDatagram(e) && e.datagram.text.startsWith('READY=1'),
      before,
    )
    expect(await text(port)).toBe('v1')
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const summary = await load.stop()
    expect(summary.requests).toBeGreaterThan(100)
    expect(summary).toMatchObject({ non2xx: 0, socketErrors: 'none' })
    // Taken back by name, not stored again.
    expect(manager.datagrams().filter((d) => d.text.startsWith('FDSTORE=1'))).toHaveLength(1)
    manager.signal('SIGTERM')
    await manager.next(isExit, before)
  })
})
