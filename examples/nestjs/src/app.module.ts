import { LameduckModule } from '@lameduck/nestjs'
import { Controller, Get, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common'

@Controller()
class HelloController {
  @Get()
  hello() {
    return 'hello from nestjs\n'
  }
}

@Injectable()
class Database implements OnApplicationShutdown {
  // Runs after the drain: the last response has been sent.
  onApplicationShutdown() {
    console.log('closing the database pool')
  }
}

@Module({
  imports: [LameduckModule.forRoot({ timeout: 10_000 })],
  controllers: [HelloController],
  providers: [Database],
})
export class AppModule {}
