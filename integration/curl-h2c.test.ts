// curl over h2c (`--http2-prior-knowledge`) through a drain: transfers in flight when the
// shutdown notice arrives are answered, and each session closes in two steps.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/core'
import { describe, expect, it, onTestFinished } from 'vitest'

describe('curl over h2c', { timeout: 20_000 }, () => {
  it('gets an answer to every transfer in flight when the drain starts', async () => {
    const server = createServer()
    let arrived = 0
    let allArrived: () => void = () => {}
    const five = new Promise<void>((resolve) => {
      allArrived = resolve
    })
    server.on('stream', (stream) => {
      if (++arrived === 5) allArrived()
      setTimeout(() => {
        stream.respond({ ':status': 200 })
        stream.end('ok')
      }, 200)
    })
    const ld = lameduck({ signals: false })
    ld.attach(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      if (server.listening) server.close()
    })
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    // Each URL with its own `-o`: one output file pairs with one URL.
    const transfers = Array.from({ length: 5 }, () => ['-o', '/dev/null', url]).flat()
    const curl = spawn(
      'curl',
      [
        '-s',
        '--http2-prior-knowledge',
        '--parallel',
        '--parallel-immediate',
        '-w',
        '%{http_code} %{http_version}\\n',
        ...transfers,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    onTestFinished(() => {
      if (curl.exitCode === null) curl.kill('SIGKILL')
    })
    let output = ''
    curl.stdout.on('data', (chunk) => {
      output += chunk
    })
    const exited = once(curl, 'exit')
    await five
    const report = await ld.shutdown()
    expect((await exited)[0]).toBe(0)
    expect(output.trim().split('\n')).toEqual(Array(5).fill('200 2'))
    expect(report).toMatchObject({ ok: true, requests: { drained: 5 }, http2: { twoStep: 5 } })
  })
})
