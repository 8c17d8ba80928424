import { Module } from '@nestjs/common';
import { AuditRecorder } from './audit-recorder';

/** Recording of views and denials (and, later, the audit queries). */
@Module({ providers: [AuditRecorder], exports: [AuditRecorder] })
export class AuditModule {}
