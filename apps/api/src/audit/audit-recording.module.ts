import { Module } from '@nestjs/common';
import { AuditRecorder } from './audit-recorder';

/** Recording of views and denials, used by the guard and by every read of client data. */
@Module({ providers: [AuditRecorder], exports: [AuditRecorder] })
export class AuditRecordingModule {}
