import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { AuditRecorder } from './audit-recorder';
import { ReadAuditCoverage } from './read-audit.coverage';
import { ReadAuditInterceptor } from './read-audit.interceptor';

/**
 * Recording of views and denials, used by the guard and by every read of client data; the
 * interceptor that applies each read route's declared audit, and the start-up check that
 * every read route declares one.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    AuditRecorder,
    ReadAuditCoverage,
    { provide: APP_INTERCEPTOR, useClass: ReadAuditInterceptor },
  ],
  exports: [AuditRecorder, ReadAuditCoverage],
})
export class AuditRecordingModule {}
