import type { StoredDocument } from './read-store.port';

/** The default currency when the caller names none (CRM_DEFAULT_CURRENCY's default). */
export const DEFAULT_CURRENCY = 'EUR';

/** What a listing's rows may depend on besides the document. */
export interface ListingContext {
  /** When the row is derived: rows of time-dependent figures say until when they hold. */
  now: Date;
  /** CRM_DEFAULT_CURRENCY: the currency of per-client figures shown without one (segments). */
  defaultCurrency: string;
}

/**
 * One small row per document, derived from it, in a collection beside the documents whose
 * indexed fields are sort keys: a sorted list over all documents (a ranking, the members of
 * a segment) is then a range of an index, read a page at a time.
 *
 * The engine writes a document's row whenever it writes the document, with the document's
 * position (so the position guard keeps rows and documents in step). A row that depends on
 * time is derived again later from the same document by a job (a `refresh` write).
 */
export interface Listing<Doc extends object = object> {
  /** Stable name, part of `verify`'s report. */
  readonly name: string;
  /** Logical collection of the rows (one generation per projection's). */
  readonly collection: string;
  /** Fields read by range (sort keys) or equality. */
  readonly indexes: readonly string[];
  /** Other collections of the same generation that the listing's jobs keep (figures). */
  readonly companions?: readonly string[];
  /** Fields that depend on when the row was derived, not compared by `verify`. */
  readonly volatile?: readonly string[];
  /** Pure in (document, context). */
  row(document: Doc, context: ListingContext): object;
}

export type ListingRow = StoredDocument & Record<string, unknown>;

/** The row of a document as stored: the listing's fields, the document's id and position. */
export function listingRow<Doc extends StoredDocument>(
  listing: Listing<Doc>,
  document: Doc,
  context: ListingContext,
): ListingRow {
  return { ...listing.row(document, context), id: document.id, position: document.position };
}

// Listings of different document types run side by side in one engine.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyListing = Listing<any>;
