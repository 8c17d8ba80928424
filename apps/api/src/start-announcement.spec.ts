import { Writable } from 'node:stream';
import { createLogger, loadConfig, startSummary } from '@rapport/platform';
import { announceStart } from './start-announcement';

const summary = startSummary(loadConfig({ CRM_DATA_DIR: '/srv/rapport' }), 'http://127.0.0.1:3000');

function run(format: 'json' | 'pretty', level = 'info') {
  const logged: string[] = [];
  const written: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger(level, 'rapport-api', { destination, isTTY: format === 'pretty' });
  announceStart(logger, format, summary, (text) => written.push(text));
  return { logged, written };
}

describe('the end of the start', () => {
  it('is one block on the terminal, and no log line', () => {
    const { logged, written } = run('pretty');
    expect(logged).toEqual([]);
    expect(written).toHaveLength(1);
    const block = written[0]!;
    expect(block).toMatch(/^\nRapport API is ready\n {2}URL {10}http:\/\/127\.0\.0\.1:3000\n/);
    for (const fact of ['profile', 'data dir', 'credentials', 'master key', 'OpenAPI']) {
      expect(block).toContain(`\n  ${fact}`);
    }
    expect(block).toContain('/srv/rapport/dev-api-keys.json');
  });

  it('is one JSON record with the same facts when the log is JSON', () => {
    const { logged, written } = run('json');
    expect(written).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({
      level: 30,
      msg: 'Rapport API listening on http://127.0.0.1:3000',
      ...summary,
    });
  });

  it('says nothing when info is not logged (LOG_LEVEL=warn or silent)', () => {
    for (const format of ['json', 'pretty'] as const) {
      expect(run(format, 'warn')).toEqual({ logged: [], written: [] });
    }
  });
});
