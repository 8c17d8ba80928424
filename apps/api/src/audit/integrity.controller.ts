import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../http/access.decorators';
import { IntegrityMonitor } from './integrity.monitor';
import { NoClientData } from '../http/read-audit.decorators';

@ApiTags('audit')
@Controller('audit')
export class IntegrityController {
  constructor(private readonly monitor: IntegrityMonitor) {}

  @Get('integrity')
  @Allow('audit:read')
  @NoClientData("positions and hashes of the log's chain and of its checkpoints")
  @ApiOperation({
    summary:
      "The log's hash chain: head, last sealed checkpoint, and the background verification's result",
  })
  integrity() {
    return this.monitor.status();
  }
}
