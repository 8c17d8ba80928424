import { applyDecorators, Controller } from '@nestjs/common';
import { ApiHeader, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';

/**
 * A controller of client queries: tagged `queries` in OpenAPI, documents the `X-Purpose`
 * header every audited read records, and the 503 of a read-your-writes wait that timed out.
 */
export const QueryController = () =>
  applyDecorators(
    ApiTags('queries'),
    ApiHeader({
      name: 'X-Purpose',
      required: false,
      description: 'why you read: recorded in the audit trail',
    }),
    ApiServiceUnavailableResponse({
      description: 'minPosition not reached within 5 s (Retry-After)',
    }),
    Controller(),
  );
