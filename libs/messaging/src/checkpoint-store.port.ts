/**
 * Where a process that reads the event log (the relay) remembers how far it got.
 * save() is durable once it resolves; a position only ever moves forward.
 */
export interface CheckpointStore {
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
  close(): Promise<void>;
}

export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
