import type { CheckpointStore } from '../checkpoint-store.port';

export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, number>();

  async load(name: string): Promise<number> {
    return this.positions.get(name) ?? 0;
  }

  async save(name: string, position: number): Promise<void> {
    if (position > (this.positions.get(name) ?? 0)) this.positions.set(name, position);
  }

  async close(): Promise<void> {}
}
