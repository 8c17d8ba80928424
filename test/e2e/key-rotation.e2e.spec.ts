import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MASTER_KEY_STREAM } from '@rapport/domain';
import { startTestApi, type TestApi } from '../support/api-harness';
import { runCliWith } from '../support/cli-runner';
import { createLead } from '../support/world';

const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');

describe('master key rotation without downtime', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rapport-rotation-'));
  let api: TestApi | undefined;
  const clients: string[] = [];

  const startWith = async (env: Record<string, string>) => {
    await api?.close();
    api = await startTestApi({ dataDir, env });
    return api;
  };
  const emailOf = async (customerId: string) => {
    const response = await api!.client.as('admin').get(`/customers/${customerId}`);
    return { status: response.status, email: response.body?.profile?.email as unknown };
  };

  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-wraps every key while the API serves with both keys; then the new key alone reads everything', async () => {
    // Given clients whose keys are wrapped by the old master key.
    await startWith({ CRM_MASTER_KEY: OLD_KEY });
    for (let i = 0; i < 4; i++)
      clients.push(await createLead(api!.client, { email: `c${i}@example.com` }));

    // The API restarts with the new key and the old one as previous: every client reads, and a
    // client created now gets a key wrapped by the new one.
    const rotating = await startWith({ CRM_MASTER_KEY: NEW_KEY, CRM_MASTER_KEY_PREVIOUS: OLD_KEY });
    for (const [i, id] of clients.entries()) {
      expect(await emailOf(id)).toEqual({ status: 200, email: `c${i}@example.com` });
    }
    clients.push(await createLead(rotating.client, { email: 'c4@example.com' }));

    // When the operator rotates, with the API running...
    const env = {
      CRM_DATA_DIR: dataDir,
      CRM_MASTER_KEY: NEW_KEY,
      CRM_MASTER_KEY_PREVIOUS: OLD_KEY,
    };
    const rotated = await runCliWith(env, '--json', 'keys', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.json).toMatchObject({ ok: true, rewrapped: 4, alreadyCurrent: 1, erased: 0 });
    for (const [i, id] of clients.entries()) {
      expect(await emailOf(id)).toEqual({ status: 200, email: `c${i}@example.com` });
    }
    // ...a second run finds nothing left to do, and both are audited.
    const again = await runCliWith(env, '--json', 'keys', 'rotate');
    expect(again.json).toMatchObject({ rewrapped: 0, alreadyCurrent: 5 });
    const audited = (await rotating.eventStore.readStream(MASTER_KEY_STREAM)).events;
    expect(audited.map((e) => [e.type, (e.data as { rewrapped: number }).rewrapped])).toEqual([
      ['MasterKeyRotated', 4],
      ['MasterKeyRotated', 0],
    ]);
    expect(audited[0]!.data).toMatchObject({
      masterKeyId: rotated.json.masterKeyId,
      previousMasterKeyId: rotated.json.previousMasterKeyId,
    });

    // Then the new key alone reads every client...
    await startWith({ CRM_MASTER_KEY: NEW_KEY });
    for (const [i, id] of clients.entries()) {
      expect(await emailOf(id)).toEqual({ status: 200, email: `c${i}@example.com` });
    }
    // ...and the old key alone opens no client's data.
    await startWith({ CRM_MASTER_KEY: OLD_KEY });
    for (const id of clients) {
      const { status, email } = await emailOf(id);
      expect(status).toBe(500);
      expect(email).toBeUndefined();
    }
  });

  it('refuses to rotate without both keys, or to the same key', async () => {
    const missing = await runCliWith(
      { CRM_DATA_DIR: dataDir, CRM_MASTER_KEY: NEW_KEY, CRM_MASTER_KEY_PREVIOUS: '' },
      'keys',
      'rotate',
    );
    expect(missing.code).toBe(2);
    const same = await runCliWith(
      { CRM_DATA_DIR: dataDir, CRM_MASTER_KEY: NEW_KEY, CRM_MASTER_KEY_PREVIOUS: NEW_KEY },
      'keys',
      'rotate',
    );
    expect(same.code).toBe(2);
  });
});
