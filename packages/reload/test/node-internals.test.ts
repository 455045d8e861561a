// The private Node APIs `lameduck run` uses (src/node-internals.ts), checked on the running Node,
// and refused with LAMEDUCK_ERR_UNSUPPORTED when one is deleted or renamed.
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import net, { connect, Server as NetServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { supervise } from '@lameduck/reload'
import { afterEach, describe, expect, it } from 'vitest'
import { createServerHandle, replaceListen } from '../src/node-internals.js'

const restores: (() => void)[] = []
afterEach(() => {
  for (const restore of restores.splice(0).reverse()) restore()
})

/** As if a Node release deleted the property, or renamed it (the old name then reads undefined). */
function simulateGone(owner: object, key: string, change: 'deleted' | 'renamed'): void {
  const descriptor = Object.getOwnPropertyDescriptor(owner, key)!
  const record = owner as Record<string, unknown>
  if (change === 'deleted') delete record[key]
  else Object.defineProperty(owner, key, { configurable: true, writable: false, value: undefined })
  if (change === 'renamed') record[`${key}Renamed`] = descriptor.value
  restores.push(() => {
    Object.defineProperty(owner, key, descriptor)
    delete record[`${key}Renamed`]
  })
}

const unsupported = (missing: string) => ({
  code: 'LAMEDUCK_ERR_UNSUPPORTED',
  missing: expect.stringContaining(missing),
  runtime: `Node.js ${process.versions.node}`,
})

describe(`lameduck run's Node internals on ${process.version}`, () => {
  it('binds a socket without listening on it', async () => {
    const handle = createServerHandle()('127.0.0.1', 0, 4, undefined, 0)
    if (typeof handle === 'number') throw new Error(`errno ${handle}`)
    const name: { port?: number } = {}
    handle.getsockname(name)
    expect(handle.fd).toBeGreaterThan(2)
    expect(name.port).toBeGreaterThan(0)
    // Bound, not listening: nobody is accepted until a worker listens on the descriptor.
    const refused = connect(name.port!, '127.0.0.1')
    const [error] = await once(refused, 'error')
    expect(error).toMatchObject({ code: 'ECONNREFUSED' })
    handle.close()
  })

  it('replaces net.Server.prototype.listen and puts it back', () => {
    const node = NetServer.prototype.listen
    const { original, restore } = replaceListen(
      (previous) =>
        function listen() {
          return previous.call(this)
        },
    )
    expect(original).toBe(node)
    expect(NetServer.prototype.listen).not.toBe(node)
    restore()
    expect(NetServer.prototype.listen).toBe(node)
  })

  it('says in its help which runtimes it runs on', () => {
    const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stderr).toContain('runs on Node.js 26, 24, 22 and 20 on Linux')
    expect(help.stderr).toContain('refuses to start on Bun and Deno')
  })

  it.each(['deleted', 'renamed'] as const)(
    'refuses to bind when net._createServerHandle is %s',
    async (change) => {
      simulateGone(net, '_createServerHandle', change)
      expect(() => createServerHandle()).toThrow(
        expect.objectContaining(unsupported('net._createServerHandle')),
      )
      const entry = fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url))
      await expect(
        supervise({ entry, listen: [{ host: '127.0.0.1', port: 0 }] }),
      ).rejects.toMatchObject(unsupported('net._createServerHandle'))
    },
  )

  it.each(['deleted', 'renamed'] as const)(
    'refuses to patch listen when net.Server.prototype.listen is %s',
    (change) => {
      simulateGone(NetServer.prototype, 'listen', change)
      expect(() => replaceListen((original) => original)).toThrow(
        expect.objectContaining(unsupported('net.Server.prototype.listen')),
      )
    },
  )
})
