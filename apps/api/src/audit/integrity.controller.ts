import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../http/access.decorators';
import { IntegrityMonitor } from './integrity.monitor';

@ApiTags('audit')
@Controller('audit')
export class IntegrityController {
  constructor(private readonly monitor: IntegrityMonitor) {}

  @Get('integrity')
  @Allow('audit:read')
  @ApiOperation({
    summary:
      "The log's hash chain: head, last sealed checkpoint, and the background verification's result",
  })
  integrity() {
    return this.monitor.status();
  }
}
