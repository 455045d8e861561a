import {
  type Lameduck as CoreLameduck,
  InvalidOptionError,
  type LameduckOptions,
  lameduck,
} from '@lameduck/core'
import {
  delegateWorkerExit,
  exitAfterShutdown,
  type HealthRouteOptions,
  healthRoutes,
} from '@lameduck/core/adapter'
import {
  type DynamicModule,
  type FactoryProvider,
  Inject,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'

export { nestLogger } from './logger.js'

/**
 * Every `@lameduck/core` option but `signals` (Nest's `app.enableShutdownHooks()` handles them),
 * plus the health routes.
 */
export interface LameduckModuleOptions
  extends Omit<LameduckOptions, 'signals'>,
    HealthRouteOptions {}

export interface LameduckModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory(...args: never[]): LameduckModuleOptions | Promise<LameduckModuleOptions>
  inject?: FactoryProvider['inject']
}

/**
 * The handle, as an injection token and a type: `constructor(private ld: Lameduck)` injects it
 * where TypeScript emits decorator metadata, `@InjectLameduck()` everywhere.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: a runtime token whose type is the core handle
export abstract class Lameduck {}
export interface Lameduck extends CoreLameduck {}

/** Injects the lameduck handle. */
export const InjectLameduck = (): PropertyDecorator & ParameterDecorator => Inject(Lameduck)

const OPTIONS = Symbol('@lameduck/nestjs options')

function createHandle(options: LameduckModuleOptions, host: HttpAdapterHost): CoreLameduck {
  const { health, readiness, ...coreOptions } = options
  if ('signals' in coreOptions) {
    throw new InvalidOptionError(
      'signals',
      'no signals option: app.enableShutdownHooks() handles them',
      (coreOptions as LameduckOptions).signals,
    )
  }
  const ld = lameduck({ ...coreOptions, signals: false })
  // Under `lameduck run`, a reload or stop ends the worker the way a SIGTERM does: through Nest's
  // own shutdown (enableShutdownHooks()), so that its hooks run; the drain has already started.
  // An app that did not enable Nest's shutdown hooks is ended once drained.
  delegateWorkerExit(ld, () => {
    if (!process.emit('SIGTERM', 'SIGTERM')) exitAfterShutdown(ld)
  })
  const adapter = host.httpAdapter
  // Routes of the platform itself, registered before Nest's middleware, guards and global prefix.
  // A failure goes to the platform's own error handling, as in the other adapters: Express's
  // `next` (Express 4, under Nest 10, ignores a returned promise), Fastify's returned promise.
  for (const route of healthRoutes(ld, { health, readiness })) {
    adapter?.get(route.path, (_request: unknown, response: unknown, next?: unknown) => {
      const sent = route.reply().then(({ status, headers, body }) => {
        for (const [name, value] of Object.entries(headers))
          adapter.setHeader(response, name, value)
        adapter.reply(response, body, status)
      })
      if (typeof next !== 'function') return sent
      sent.catch(next as (error: unknown) => void)
      return undefined
    })
  }
  return ld
}

/** Attaches the HTTP server once Nest has made it, and drains it first thing in `app.close()`. */
class LameduckLifecycle implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    private readonly ld: CoreLameduck,
    private readonly host: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const server = this.host.httpAdapter?.getHttpServer()
    if (server !== undefined) this.ld.attach(server)
  }

  // Nest runs every onModuleDestroy before any beforeApplicationShutdown or onApplicationShutdown
  // hook, and closes its HTTP adapter in between: the drain is over before any of those start.
  async onModuleDestroy(): Promise<void> {
    await this.ld.shutdown('app.close()')
  }

  // After a signal, once every hook has run, Nest re-raises it to end the process (unless
  // `useProcessExit`), which would report the drain as killed: exit with its own code instead.
  onApplicationShutdown(signal?: string): void {
    if (signal !== undefined) process.once(signal, () => exitAfterShutdown(this.ld))
  }
}

function dynamicModule(
  options: Omit<FactoryProvider<LameduckModuleOptions>, 'provide'>,
  imports: ModuleMetadata['imports'] = [],
): DynamicModule {
  return {
    module: LameduckModule,
    global: true,
    imports,
    providers: [
      { ...options, provide: OPTIONS },
      { provide: Lameduck, useFactory: createHandle, inject: [OPTIONS, HttpAdapterHost] },
      {
        provide: LameduckLifecycle,
        useFactory: (ld: CoreLameduck, host: HttpAdapterHost) => new LameduckLifecycle(ld, host),
        inject: [Lameduck, HttpAdapterHost],
      },
    ],
    exports: [Lameduck],
  }
}

/**
 * Drains the app's HTTP server (platform-express or platform-fastify) first thing in
 * `app.close()`, which `app.enableShutdownHooks()` calls on SIGTERM and SIGINT: Nest's
 * beforeApplicationShutdown and onApplicationShutdown hooks run after the last response.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest's dynamic modules are classes with forRoot()
export class LameduckModule {
  static forRoot(options: LameduckModuleOptions = {}): DynamicModule {
    return dynamicModule({ useFactory: () => options })
  }

  static forRootAsync({ imports, ...factory }: LameduckModuleAsyncOptions): DynamicModule {
    return dynamicModule(
      factory as Omit<FactoryProvider<LameduckModuleOptions>, 'provide'>,
      imports,
    )
  }
}
