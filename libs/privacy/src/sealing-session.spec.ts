import { randomBytes } from 'node:crypto';
import { isSealed, type DomainEvent } from '@rapport/domain';
import { InMemoryKeyStore } from './adapters/in-memory.key-store';
import { DataKeys } from './data-keys';
import { PersonalDataCipher } from './personal-data.cipher';
import { SealingSession } from './sealing-session';

const event = (data: Record<string, unknown>): DomainEvent =>
  ({ type: 'ContactLogged', schemaVersion: 1, data }) as unknown as DomainEvent;

describe('sealing session', () => {
  const cipher = new PersonalDataCipher(new DataKeys(new InMemoryKeyStore(), randomBytes(32)));

  it('gives every session its own placeholders', () => {
    const placeholders = new Set<string>();
    for (let i = 0; i < 1000; i++) placeholders.add(new SealingSession().seal('same text'));
    expect(placeholders.size).toBe(1000);
  });

  it("replaces only its own placeholders, not text that copies another session's", async () => {
    const other = new SealingSession().seal('not mine');
    const session = new SealingSession();
    const mine = session.seal('Ada');
    const [settled] = (await session.settle(
      cipher,
      'c-1',
      [event({ name: mine, notes: other })],
      true,
    ))!;
    const data = settled!.data as unknown as { name: string; notes: string };
    expect(isSealed(data.name)).toBe(true);
    expect(await cipher.open('c-1', data.name as never)).toBe('Ada');
    expect(data.notes).toBe(other);
  });

  it('settles nothing for a client without a key unless it may create one', async () => {
    const session = new SealingSession();
    const name = session.seal('Ada');
    await expect(
      session.settle(cipher, 'c-none', [event({ name })], false),
    ).resolves.toBeUndefined();
  });
});
