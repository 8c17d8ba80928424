import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiError } from '@rapport/platform';
import { Public } from '../http/access.decorators';
import { NoClientData } from '../http/read-audit.decorators';
import { ASSET_NAME, consoleDir } from './console-files';

/**
 * The console's page has no data in it: it signs in with the caller's token and reads the
 * public API like any client, so the role matrix, masking and the read audit apply to it.
 */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

@ApiTags('console')
@Controller('console')
export class ConsoleController {
  private readonly root = consoleDir();

  @Get()
  @Public()
  @NoClientData('the static page of the browser console: it holds no data')
  @ApiProduces('text/html')
  @ApiOperation({
    summary: 'The browser console (sign in with a token); built by npm run build',
  })
  page(@Res() reply: FastifyReply) {
    if (!existsSync(join(this.root, 'index.html')))
      throw new ApiError(
        503,
        'CONSOLE_NOT_BUILT',
        'the console is not built: run npm run build (it writes dist/console)',
        undefined,
        { 'Retry-After': '60' },
      );
    // The page names the current assets: always asked again (cheap, with its ETag).
    void reply.headers({ ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' });
    return reply.sendFile('index.html', this.root, { cacheControl: false });
  }

  @Get('assets/:file')
  @Public()
  @NoClientData("the console's scripts and styles: no data")
  @ApiExcludeEndpoint()
  asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    if (!ASSET_NAME.test(file) || !existsSync(join(this.root, 'assets', file)))
      throw new ApiError(404, 'NOT_FOUND', `no console asset ${file}`);
    // Hashed names: a new build has new names, so these never go stale.
    void reply.headers({ ...SECURITY_HEADERS });
    return reply.sendFile(join('assets', file), this.root, {
      maxAge: 365 * 24 * 3600 * 1000,
      immutable: true,
    });
  }
}
