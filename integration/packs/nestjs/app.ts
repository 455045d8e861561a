import 'reflect-metadata'
import type { AddressInfo } from 'node:net'
import { LameduckModule } from '@lameduck/nestjs'
import { Controller, Get, Module, type OnApplicationShutdown } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'

@Controller()
class SlowController implements OnApplicationShutdown {
  @Get('slow')
  async slow(): Promise<string> {
    console.log('arrived /slow')
    await new Promise((resolve) => setTimeout(resolve, 500))
    return 'slow'
  }

  onApplicationShutdown(): void {
    console.log('hook ran')
  }
}

@Module({ imports: [LameduckModule.forRoot({ timeout: 10_000 })], controllers: [SlowController] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: false })
  app.enableShutdownHooks()
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  console.log(`listening on http://127.0.0.1:${port}`)
}
main()
