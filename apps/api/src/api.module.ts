import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CommandsModule } from './commands/commands.module';
import { ConsumersModule } from './consumers/consumers.module';
import { HealthController } from './health/health.controller';
import { ConsoleController } from './console/console.controller';
import { SessionController } from './console/session.controller';
import { AuditModule } from './audit/audit.module';
import { AuditRecordingModule } from './audit/audit-recording.module';
import { AuthGuard, BenchmarkPrincipalGuard } from './http/auth.guard';
import { RateLimiter } from './http/rate-limiter';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { PlainJsonBodyGuard } from './http/validation';
import { IngestModule } from './ingest/ingest.module';
import { ReadSideModule } from './read-side/read-side.module';
import { ServiceModule } from './service/service.module';
import {
  InfrastructureModule,
  type InfrastructureOptions,
} from './infrastructure/infrastructure.module';

@Module({})
export class ApiModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        InfrastructureModule.forRoot(options),
        AuditRecordingModule,
        CommandsModule,
        AuditModule,
        ReadSideModule,
        ServiceModule,
        IngestModule,
        ConsumersModule,
      ],
      controllers: [HealthController, SessionController, ConsoleController],
      providers: [
        RateLimiter,
        {
          provide: APP_GUARD,
          // Only the HTTP benchmark turns authentication off (see GUARANTEES_OFF).
          useClass: options.guaranteesOff?.includes('auth') ? BenchmarkPrincipalGuard : AuthGuard,
        },
        // After the AuthGuard: who may not call learns that first (and it is audited).
        { provide: APP_GUARD, useClass: PlainJsonBodyGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
