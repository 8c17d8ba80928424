import { Injectable, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { READ_AUDIT_KEY, type ReadAudit } from '../http/read-audit.decorators';

/** One GET route of the app and how its reads are audited (undefined: not declared). */
export interface ReadRoute {
  path: string;
  handler: string;
  audit: ReadAudit | undefined;
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;

const pathsOf = (metadata: unknown): string[] =>
  Array.isArray(metadata) ? (metadata as string[]) : [typeof metadata === 'string' ? metadata : ''];

/**
 * Every GET route of the app, found through Nest's discovery (so a new controller is covered
 * without being listed anywhere), and the start-up check that each one declares its audit:
 * @AuditedRead, @RecordsViews or @NoClientData (read-audit.decorators.ts).
 */
@Injectable()
export class ReadAuditCoverage implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): ReadRoute[] {
    const routes: ReadRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const prototype = type.prototype as Record<string, unknown>;
      const prefixes = pathsOf(Reflect.getMetadata(PATH_METADATA, type));
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        if (Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
        const audit = Reflect.getMetadata(READ_AUDIT_KEY, handler) as ReadAudit | undefined;
        for (const prefix of prefixes) {
          for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({ path: join(prefix, path), handler: `${type.name}.${name}`, audit });
          }
        }
      }
    }
    return routes;
  }

  onApplicationBootstrap(): void {
    const undeclared = this.routes().filter((route) => route.audit === undefined);
    if (undeclared.length > 0) {
      throw new Error(
        `read routes without a declared audit: ${undeclared
          .map((route) => `GET ${route.path} (${route.handler})`)
          .join(', ')}. Add @AuditedRead, @RecordsViews or @NoClientData ` +
          '(apps/api/src/http/read-audit.decorators.ts) and list a @NoClientData route in docs/audit.md',
      );
    }
  }
}
