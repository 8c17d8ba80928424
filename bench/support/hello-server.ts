// The baseline of the HTTP benchmark: a hello-world NestJS app on the same Fastify adapter,
// in its own process. Prints its URL on stdout.
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class HelloController {
  @Post('hello')
  @HttpCode(201)
  hello(@Body() body: unknown): { ok: true; received: boolean } {
    return { ok: true, received: body !== undefined };
  }
}

@Module({ controllers: [HelloController] })
class HelloModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(HelloModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${await app.getUrl()}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
