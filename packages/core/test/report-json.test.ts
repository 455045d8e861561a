// A shutdown report written as JSON (a logger, an IPC message) keeps what a failed hook threw:
// `JSON.stringify` of an Error alone gives `{}`.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { lameduck, type ShutdownReport } from '@lameduck/core'
import { describe, expect, it } from 'vitest'

async function failedReport(): Promise<ShutdownReport> {
  const ld = lameduck({ signals: false, logger: false })
  ld.onShutdown('db', () => {
    throw Object.assign(new Error('pool is not defined'), { code: 'E_POOL' })
  })
  return ld.shutdown()
}

const expected = {
  name: 'db',
  status: 'error',
  error: {
    name: 'Error',
    message: 'pool is not defined',
    code: 'E_POOL',
    stack: expect.stringMatching(/^Error: pool is not defined\n {4}at /),
  },
}

describe('the report as JSON', () => {
  it("keeps a failed hook's error name, message, code and stack; the report keeps the Error", async () => {
    const report = await failedReport()
    expect(report.hooks[0]!.error).toBeInstanceOf(Error)
    expect(JSON.parse(JSON.stringify(report)).hooks[0]).toMatchObject(expected)
  })

  it('keeps them over an IPC channel (JSON serialization) to another process', async () => {
    const report = await failedReport()
    // A child that sends back what it receives, as a supervisor reading the report would.
    const child = spawn(
      process.execPath,
      ['-e', 'process.once("message", (m) => process.send(m, () => process.disconnect()))'],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    )
    const exited = once(child, 'exit')
    child.send({ report })
    const [echoed] = (await once(child, 'message')) as [{ report: ShutdownReport }]
    await exited
    expect(echoed.report.hooks[0]).toMatchObject(expected)
  })
})
