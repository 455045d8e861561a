import { EventEmitter, once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { Lameduck, LameduckModule } from '@lameduck/nestjs'
import { RawClient } from '@lameduck/test-utils'
import { Injectable, Module } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createNestApp, type Platform, ShutdownRecorder } from './app.js'

async function listen(app: Awaited<ReturnType<typeof createNestApp>>) {
  onTestFinished(async () => {
    app.getHttpServer().closeAllConnections?.()
    await app.close().catch(() => {})
  })
  await app.listen(0, '127.0.0.1')
  return (app.getHttpServer().address() as AddressInfo).port
}

const body = async (response: Response) => [response.status, await response.json()]

for (const platform of ['express', 'fastify'] satisfies Platform[]) {
  describe(`@lameduck/nestjs on platform-${platform}`, { timeout: 10_000 }, () => {
    it('answers liveness and readiness outside the global prefix, flipping readiness at the drain', async () => {
      const app = await createNestApp(platform, 'http', { delay: 300, timeout: 2_000 })
      app.setGlobalPrefix('api')
      const port = await listen(app)
      const url = (path: string) => `http://127.0.0.1:${port}${path}`
      expect(await body(await fetch(url('/healthz')))).toEqual([
        200,
        { status: 'ok', state: 'serving' },
      ])
      const ready = await fetch(url('/readyz'))
      expect(ready.headers.get('cache-control')).toBe('no-store')
      expect(await body(ready)).toEqual([200, { status: 'ready', state: 'serving', checks: {} }])
      expect((await fetch(url('/readyz'), { method: 'HEAD' })).status).toBe(200)
      expect((await fetch(url('/api/fast'))).status).toBe(200)
      const closed = app.close()
      expect(await body(await fetch(url('/readyz')))).toEqual([
        503,
        { status: 'draining', state: 'draining' },
      ])
      await closed
    })

    it('drains before Nest’s beforeApplicationShutdown and onApplicationShutdown hooks run', async () => {
      ShutdownRecorder.events.length = 0
      const probe = new EventEmitter()
      const app = await createNestApp(platform, 'http', { timeout: 5_000 }, undefined, probe)
      const port = await listen(app)
      const raw = await RawClient.connect(port)
      onTestFinished(() => raw.close())
      probe.on('finished', (path, status) => ShutdownRecorder.events.push(`${path} ${status}`))
      const arrived = once(probe, 'arrived')
      raw.send('GET', '/slow?ms=300')
      await arrived
      const closing = app.close()
      const response = await raw.read()
      expect([response.status, response.headers.connection]).toEqual([200, 'close'])
      await closing
      expect(ShutdownRecorder.events).toEqual([
        '/slow 200',
        'beforeApplicationShutdown while closed',
        'onApplicationShutdown while closed',
      ])
    })

    it('hands a failed health reply to the platform’s error handling: 500, nothing unhandled', async () => {
      const app = await createNestApp(platform, 'http', {})
      const port = await listen(app)
      const unhandled: unknown[] = []
      const record = (reason: unknown) => unhandled.push(reason)
      process.on('unhandledRejection', record)
      onTestFinished(() => {
        process.off('unhandledRejection', record)
      })
      app.get(Lameduck).checkReadiness = () => Promise.reject(new Error('readiness failed'))
      const response = await fetch(`http://127.0.0.1:${port}/readyz`, {
        signal: AbortSignal.timeout(5_000),
      })
      expect(response.status).toBe(500)
      expect(unhandled).toEqual([])
    })

    it('injects the handle by its type, and forRootAsync takes its options from a provider', async () => {
      @Injectable()
      class Settings {
        readonly lameduck = { readiness: '/ready' as const, timeout: 1_000 }
      }
      @Module({ providers: [Settings], exports: [Settings] })
      class SettingsModule {}
      @Injectable()
      class UsesHandle {
        constructor(readonly ld: Lameduck) {}
      }
      @Module({
        imports: [
          LameduckModule.forRootAsync({
            imports: [SettingsModule],
            inject: [Settings],
            useFactory: (settings: Settings) => settings.lameduck,
          }),
        ],
        providers: [UsesHandle],
      })
      class AppModule {}
      const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
      const app = await NestFactory.create(AppModule, adapter, { logger: false })
      const port = await listen(app)
      expect(app.get(UsesHandle).ld).toBe(app.get(Lameduck))
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200)
      expect(app.get(Lameduck).state).toBe('serving')
    })
  })
}

describe('@lameduck/nestjs options', () => {
  it('rejects signals with a typed error: Nest’s enableShutdownHooks() handles them', async () => {
    const options = { signals: ['SIGTERM'] } as Parameters<typeof LameduckModule.forRoot>[0]
    await expect(createNestApp('express', 'http', options)).rejects.toMatchObject({
      code: 'LAMEDUCK_ERR_INVALID_OPTION',
      option: 'signals',
    })
  })

  it('rejects invalid core options with a typed error', async () => {
    await expect(createNestApp('express', 'http', { timeout: -1 })).rejects.toMatchObject({
      code: 'LAMEDUCK_ERR_INVALID_OPTION',
      option: 'timeout',
    })
  })
})
