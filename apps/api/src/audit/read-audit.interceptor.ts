import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, mergeMap, type Observable } from 'rxjs';
import type { HttpRequestLike } from '@rapport/platform';
import { READ_AUDIT_KEY, type ReadAudit } from '../http/read-audit.decorators';
import { AuditRecorder } from './audit-recorder';

/**
 * Applies each read route's declared audit before its answer goes out: records the view of
 * the clients an answer names, or checks that a handler which records its own views did.
 * A GET route without a declaration is refused at start-up (read-audit.coverage.ts) and,
 * should one slip through, answered with an error rather than served unrecorded.
 */
@Injectable()
export class ReadAuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    const policy = this.reflector.get<ReadAudit | undefined>(READ_AUDIT_KEY, context.getHandler());
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    if (!policy) {
      if (request.method === 'GET') throw new Error(`read route ${route} declares no read audit`);
      return next.handle();
    }
    switch (policy.kind) {
      case 'no-client-data':
        return next.handle();
      case 'records-views':
        return next.handle().pipe(
          map((body) => {
            if (!this.audit.hasRecorded(request)) {
              throw new Error(`read route ${route} answered without recording its views`);
            }
            return body;
          }),
        );
      case 'answer':
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            const ids = new Set<string>();
            for (const id of policy.customerIdsOf(body as never)) if (id) ids.add(id);
            const position = (body as { position?: unknown } | null)?.position;
            await this.audit.recordView({
              request,
              principal: request.rapport!.principal!,
              customerIds: [...ids],
              view: policy.view,
              fieldsShown: [],
              fieldsMasked: [],
              position: typeof position === 'number' ? position : 0,
            });
            return body;
          }),
        );
      default: {
        const unknown: never = policy;
        throw new Error(`unknown read audit ${JSON.stringify(unknown)}`);
      }
    }
  }
}
