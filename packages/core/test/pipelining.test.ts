// HTTP/1.1 pipelining across the start of the drain. lameduck tracks nothing per request while
// serving, so what it knows of the requests already read comes from Node when the drain starts.
// The promise: every request the app read is answered, and the socket closes only after the last
// answer. `Connection: close` goes on the last request read while its answer is still to be
// written; an answer written while it waited behind a slower one keeps keep-alive, and its socket
// is closed as idle once that answer is out.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { lameduck } from '@lameduck/core'
import { listenForTest, RawClient, type RawResponse } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'

/**
 * `/hold/N` answers `N` when the test releases it, `/now/N` at once; `read` lists what the app
 * read, in order, and `arrived(n)` resolves once it has read n requests.
 */
async function pipelineServer() {
  const ld = lameduck({ signals: false, idleGrace: 50, timeout: 5_000 })
  const read: string[] = []
  const held = new Map<string, ServerResponse>()
  const waiters: { count: number; resolve: () => void }[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const [, kind = '', id = ''] = (req.url ?? '').split('/')
    read.push(id)
    for (const waiter of waiters.filter((w) => w.count <= read.length)) waiter.resolve()
    if (kind === 'hold') held.set(id, res)
    else res.end(id)
  })
  ld.attach(server)
  const raw = await RawClient.connect(await listenForTest(server))
  onTestFinished(() => raw.close())
  return {
    ld,
    raw,
    read,
    arrived: (count: number) =>
      new Promise<void>((resolve) => {
        if (read.length >= count) resolve()
        else waiters.push({ count, resolve })
      }),
    release: (id: string) => held.get(id)?.end(id),
  }
}

async function readAll(raw: RawClient, count: number): Promise<RawResponse[]> {
  const responses: RawResponse[] = []
  for (let i = 0; i < count; i++) responses.push(await raw.read())
  return responses
}

describe('pipelined requests across the start of the drain', () => {
  it('answers every request read before and after it, with Connection: close on the last', async () => {
    const { ld, raw, read, arrived, release } = await pipelineServer()
    raw.send('GET', '/hold/1')
    raw.send('GET', '/hold/2')
    raw.send('GET', '/now/3')
    await arrived(3)
    const report = ld.shutdown()
    raw.send('GET', '/hold/4')
    raw.send('GET', '/now/5')
    await arrived(5)
    for (const id of ['1', '2', '4']) release(id)
    const responses = await readAll(raw, 5)
    expect(responses.map((r) => r.body)).toEqual(['1', '2', '3', '4', '5'])
    // 4 was marked when it arrived, and the mark moved on to 5 before 4 was answered: 4 goes out
    // without a Connection header, which in HTTP/1.1 means the connection stays open.
    expect(responses.map((r) => r.headers.connection)).toEqual([
      'keep-alive',
      'keep-alive',
      'keep-alive',
      undefined,
      'close',
    ])
    expect(await raw.closed).toEqual({})
    expect(read).toEqual(['1', '2', '3', '4', '5'])
    const result = await report
    expect(result.requests.drained).toBe(5)
    expect(result.sockets.idleClosed).toBe(0)
  })

  it('marks the last request read before the drain when its turn comes, if its answer waits', async () => {
    const { ld, raw, arrived, release } = await pipelineServer()
    raw.send('GET', '/hold/1')
    raw.send('GET', '/hold/2')
    await arrived(2)
    const report = ld.shutdown()
    release('1')
    const first = await raw.read()
    release('2')
    const second = await raw.read()
    expect([first.headers.connection, second.headers.connection]).toEqual(['keep-alive', 'close'])
    expect(await raw.closed).toEqual({})
    expect((await report).requests.drained).toBe(2)
  })

  it('closes the socket as idle after an answer that was written while it waited its turn', async () => {
    const { ld, raw, read, arrived, release } = await pipelineServer()
    raw.send('GET', '/hold/1')
    raw.send('GET', '/now/2')
    await arrived(2)
    const report = ld.shutdown()
    release('1')
    const responses = await readAll(raw, 2)
    expect(responses.map((r) => [r.body, r.headers.connection])).toEqual([
      ['1', 'keep-alive'],
      ['2', 'keep-alive'],
    ])
    expect(await raw.closed).toEqual({})
    expect(read).toEqual(['1', '2'])
    const result = await report
    expect(result.requests.drained).toBe(2)
    expect(result.sockets.idleClosed).toBe(1)
  })
})
