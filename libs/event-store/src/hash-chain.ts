import { createHash } from 'node:crypto';

/**
 * One event as the store keeps it, with the hash that chains it to its predecessor.
 * `data` and `metadata` are the JSON text as stored: for personal data that is ciphertext,
 * so erasing a client (destroying its key) leaves every hash intact.
 */
export interface ChainRecord {
  position: number;
  /**
   * The event's rank in the chain, 1-based and gapless. Equal to the position in stores whose
   * positions are dense (SQLite, in-memory); stored with the event where they are not.
   */
  sequence: number;
  id: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamRevision: number;
  recordedAt: string;
  /** Business time as stored; absent for events stored before it existed (not hashed then). */
  occurredAt?: string;
  data: string;
  metadata: string;
  /** The hash stored with the event; null when the store holds none (not chained). */
  hash: string | null;
}

/** The newest link of a chain: what a checkpoint seals. */
export interface ChainHead {
  position: number;
  sequence: number;
  hash: string;
}

/** The predecessor of the first event. */
export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_START: ChainHead = { position: 0, sequence: 0, hash: GENESIS_HASH };

export type ChainContent = Omit<ChainRecord, 'hash' | 'position'>;

/**
 * SHA-256 over the predecessor's hash and the event's content. Fields are separated by
 * newlines, which JSON text (as JSON.stringify writes it) never contains, so no two different
 * contents hash the same input.
 */
export function chainHash(content: ChainContent, previousHash: string): string {
  return createHash('sha256')
    .update(previousHash)
    .update('\n')
    .update(
      JSON.stringify([
        content.sequence,
        content.id,
        content.type,
        content.schemaVersion,
        content.streamId,
        content.streamRevision,
        content.recordedAt,
        // Events stored before business time existed hash as they always did.
        ...(content.occurredAt === undefined ? [] : [content.occurredAt]),
      ]),
    )
    .update('\n')
    .update(content.data)
    .update('\n')
    .update(content.metadata)
    .digest('hex');
}

export type ChainProblemKind =
  'missing' | 'out-of-order' | 'unchained' | 'mismatch' | 'checkpoint-mismatch';

export interface ChainProblem {
  /** The first position whose content, order or presence does not match. */
  position: number;
  kind: ChainProblemKind;
  message: string;
}

/** A head that someone recorded earlier: a sealed checkpoint or an outside witness's copy. */
export interface ChainClaim {
  position: number;
  hash: string;
  /** Where the claim comes from, for the message: "checkpoint at 1234", "witness line 3". */
  source: string;
}

/**
 * Walks a log in position order, batch by batch, and stops at the first event that breaks the
 * chain. Incremental: it starts from any head it verified before. Claims (sealed checkpoints,
 * a witness's export) are checked as the walk passes their position; `finish` reports claims
 * beyond the end of the log, i.e. a log whose tail was cut.
 */
export class ChainVerifier {
  private current: ChainHead;
  private problem: ChainProblem | undefined;
  /** Claims not reached yet, by position, nearest first. */
  private claims: ChainClaim[] = [];

  constructor(from: ChainHead = CHAIN_START, claims: readonly ChainClaim[] = []) {
    this.current = { ...from };
    this.addClaims(claims);
  }

  addClaims(claims: readonly ChainClaim[]): void {
    const ahead = claims.filter((claim) => claim.position > this.current.position);
    if (ahead.length === 0) return;
    this.claims = [...this.claims, ...ahead].sort((a, b) => a.position - b.position);
  }

  /** The last link verified. */
  get head(): ChainHead {
    return { ...this.current };
  }

  get failure(): ChainProblem | undefined {
    return this.problem;
  }

  /** Checks the next records (in position order); returns the first problem found so far. */
  check(records: readonly ChainRecord[]): ChainProblem | undefined {
    for (const record of records) {
      if (this.problem) break;
      this.problem = this.checkOne(record);
    }
    return this.problem;
  }

  /** After the last record: claims the log never reached mean events are gone. */
  finish(): ChainProblem | undefined {
    if (this.problem) return this.problem;
    const beyond = this.claims[0];
    if (beyond) {
      this.problem = {
        position: Math.max(this.current.position + 1, 1),
        kind: 'missing',
        message: `the log ends at position ${this.current.position}, but ${beyond.source} sealed position ${beyond.position}: events after ${this.current.position} are missing`,
      };
    }
    return this.problem;
  }

  private checkOne(record: ChainRecord): ChainProblem | undefined {
    const expected = this.current.sequence + 1;
    if (record.position <= this.current.position) {
      return this.fail(
        record.position,
        'out-of-order',
        `position ${record.position} comes after position ${this.current.position}`,
      );
    }
    if (record.hash === null) {
      return this.fail(
        record.position,
        'unchained',
        `the event at position ${record.position} carries no hash: it was not written by the event store`,
      );
    }
    if (record.sequence > expected) {
      // Where positions are dense the missing event's position is known; elsewhere the gap
      // is just before this event.
      const position =
        record.sequence === record.position ? this.current.position + 1 : record.position;
      return this.fail(
        position,
        'missing',
        `event ${expected} of the chain is missing (the next one present is ${record.sequence}, at position ${record.position})`,
      );
    }
    if (record.sequence < expected) {
      return this.fail(
        record.position,
        'out-of-order',
        `the event at position ${record.position} is number ${record.sequence} of the chain, expected ${expected}`,
      );
    }
    if (chainHash(record, this.current.hash) !== record.hash) {
      return this.fail(
        record.position,
        'mismatch',
        `the event at position ${record.position} does not match its hash: its content, its place in the order or its predecessor changed`,
      );
    }
    this.current = { position: record.position, sequence: record.sequence, hash: record.hash };
    while (this.claims.length > 0 && this.claims[0]!.position <= record.position) {
      const claim = this.claims.shift()!;
      if (claim.position < record.position) {
        // A claim on a position the walk skipped names an event that is gone.
        return this.fail(
          claim.position,
          'missing',
          `${claim.source} sealed position ${claim.position}, which is no longer in the log`,
        );
      }
      if (claim.hash !== record.hash) {
        return this.fail(
          record.position,
          'checkpoint-mismatch',
          `the chain at position ${record.position} is not what ${claim.source} sealed: the log up to it was rewritten`,
        );
      }
    }
    return undefined;
  }

  private fail(position: number, kind: ChainProblemKind, message: string): ChainProblem {
    return { position, kind, message };
  }
}

export interface ChainVerification {
  /** The last link verified (the head of the log when nothing is wrong). */
  head: ChainHead;
  problem?: ChainProblem;
  /** Events checked by this run. */
  checked: number;
}

/**
 * Verifies a store's chain from `from` (a head verified before, or the start) to its end,
 * page by page. `end` (default true) also reports claims beyond the end as missing events;
 * an incremental verifier that goes on later passes false.
 */
export async function verifyChainOf(
  store: { readChain(options: { after: number; limit: number }): Promise<ChainRecord[]> },
  options: {
    from?: ChainHead;
    claims?: readonly ChainClaim[];
    pageSize?: number;
    end?: boolean;
    onPage?: (head: ChainHead) => void;
  } = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(options.from ?? CHAIN_START, options.claims ?? []);
  const pageSize = options.pageSize ?? 5000;
  let checked = 0;
  for (;;) {
    const page = await store.readChain({ after: verifier.head.position, limit: pageSize });
    if (page.length === 0) break;
    const problem = verifier.check(page);
    if (problem) return { head: verifier.head, problem, checked: checked + page.length };
    checked += page.length;
    options.onPage?.(verifier.head);
    if (page.length < pageSize) break;
  }
  const problem = options.end === false ? undefined : verifier.finish();
  return { head: verifier.head, ...(problem && { problem }), checked };
}
