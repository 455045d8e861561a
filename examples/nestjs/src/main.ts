// NestJS with @lameduck/nestjs: import LameduckModule, let Nest handle the signals.
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { AppModule } from './app.module.js'

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] })
app.enableShutdownHooks()
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
console.log(`listening on http://127.0.0.1:${app.getHttpServer().address().port}`)
