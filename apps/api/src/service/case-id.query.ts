import { ReadYourWritesQuery } from '../read-side/query.dto';

/** GET /cases/:id takes minPosition only. */
export class CaseQueriesQuery extends ReadYourWritesQuery {}
