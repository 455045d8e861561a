import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { type Child, startFixture } from './child.js'

function get(port: number, path: string) {
  return new Promise<{ status: number; connection: string | undefined; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path }, (res) => {
        let body = ''
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        )
      })
      req.on('error', reject)
      req.end()
    },
  )
}

/** Sends a request and resolves once the child has it, with the pending response. */
async function inFlight(child: Child, path: string) {
  const arrived = child.line('arrived')
  const response = get(child.port, path)
  response.catch(() => {})
  await arrived
  return { response }
}

describe('signals (real child processes)', { timeout: 15_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: drains the in-flight request, runs hooks, exits 0`, async () => {
      const child = await startFixture('server.mjs')
      const { response } = await inFlight(child, '/slow')
      child.process.kill(signal)
      expect(await response).toEqual({ status: 200, connection: 'close', body: 'slow' })
      expect(await child.exit).toEqual({ code: 0, signal: null })
      expect(child.lines).toContain('hook ran')
    })
  }

  it('works the same through the CommonJS build', async () => {
    const child = await startFixture('server.cjs')
    const { response } = await inFlight(child, '/slow')
    child.process.kill('SIGTERM')
    expect((await response).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })

  it('exits 1 when the deadline forced a request', async () => {
    const child = await startFixture('server.mjs', { options: { timeout: 200 } })
    const { response } = await inFlight(child, '/hang')
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    await expect(response).rejects.toMatchObject({ code: 'ECONNRESET' })
  })

  it('exits 1 when a hook failed, after running the others', async () => {
    const child = await startFixture('server.mjs', { failingHook: true })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: 1, signal: null })
    expect(child.lines).toContain('hook ran')
  })

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`a second ${signal} during the drain exits at once with ${code}`, async () => {
      const child = await startFixture('server.mjs', { options: { timeout: 10_000 } })
      const { response } = await inFlight(child, '/hang')
      child.process.kill(signal)
      // The first signal's shutdown is under way once the listener refuses connections.
      await expect.poll(() => get(child.port, '/fast').catch((e) => e.code)).toBe('ECONNREFUSED')
      child.process.kill(signal)
      expect(await child.exit).toEqual({ code, signal: null })
      await expect(response).rejects.toThrow()
    })
  }

  it('leaves signals alone when signals is false', async () => {
    const child = await startFixture('server.mjs', { options: { signals: false } })
    child.process.kill('SIGTERM')
    expect(await child.exit).toEqual({ code: null, signal: 'SIGTERM' })
  })

  it('honours a custom signal list', async () => {
    const child = await startFixture('server.mjs', { options: { signals: ['SIGUSR2'] } })
    const { response } = await inFlight(child, '/slow')
    child.process.kill('SIGUSR2')
    expect((await response).status).toBe(200)
    expect(await child.exit).toEqual({ code: 0, signal: null })
  })
})
