import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, PinoNestLogger, resolveLogFormat } from './logger';

/** A destination that keeps every line written to it. */
function memory(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((line) => line.length > 0) };
}

const isJson = (line: string) => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

describe('log format', () => {
  it('is readable at a terminal and JSON lines anywhere else, unless LOG_FORMAT says otherwise', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('writes one JSON object per line when the output is not a terminal', () => {
    const out = memory();
    const logger = createLogger('info', 'rapport-test', { destination: out.stream, isTTY: false });
    logger.info({ dataDir: '/tmp/x' }, 'listening');
    logger.warn('careful');
    expect(out.lines().map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 30,
        name: 'rapport-test',
        dataDir: '/tmp/x',
        msg: 'listening',
      }),
      expect.objectContaining({ level: 40, msg: 'careful' }),
    ]);
  });

  it('writes readable lines at a terminal: level, message and fields, no JSON', () => {
    const out = memory();
    const logger = createLogger('info', 'rapport-test', { destination: out.stream, isTTY: true });
    logger.info({ dataDir: '/tmp/x' }, 'listening');
    logger.debug('not at this level');
    // Colours are escape sequences around the words; a person sees the words.
    const text = stripVTControlCharacters(out.lines().join('\n'));
    expect(out.lines().some(isJson)).toBe(false);
    expect(text).toMatch(/INFO.*listening/);
    expect(text).toContain('dataDir: "/tmp/x"');
    expect(text).not.toContain('not at this level');
  });

  it('still never writes the Authorization header', () => {
    for (const isTTY of [true, false]) {
      const out = memory();
      createLogger('info', 'x', { destination: out.stream, isTTY }).info(
        { req: { headers: { authorization: 'Bearer secret-token-0001' } } },
        'request',
      );
      expect(out.lines().join('\n')).not.toContain('secret-token-0001');
    }
  });
});

describe('Nest messages', () => {
  const levelsOf = (write: (nest: PinoNestLogger) => void) => {
    const out = memory();
    write(
      new PinoNestLogger(createLogger('trace', 'x', { destination: out.stream, isTTY: false })),
    );
    return out.lines().map((line) => {
      const record = JSON.parse(line) as { level: number; msg: string };
      return [record.level, record.msg];
    });
  };

  it("logs Nest's start-up chatter (modules, routes) at debug", () => {
    expect(
      levelsOf((nest) => {
        nest.log('Starting Nest application...', 'NestFactory');
        nest.log('ApiModule dependencies initialized', 'InstanceLoader');
        nest.log('CustomersController {/customers}:', 'RoutesResolver');
        nest.log('Mapped {/customers, POST} route', 'RouterExplorer');
        nest.log('Nest application successfully started', 'NestApplication');
      }),
    ).toEqual([
      [20, 'Starting Nest application...'],
      [20, 'ApiModule dependencies initialized'],
      [20, 'CustomersController {/customers}:'],
      [20, 'Mapped {/customers, POST} route'],
      [20, 'Nest application successfully started'],
    ]);
  });

  it('keeps everything else at its level', () => {
    expect(
      levelsOf((nest) => {
        nest.log('projector started', 'Projector');
        nest.log('no context');
        nest.warn('slow', 'RoutesResolver');
        nest.error('broken', 'trace', 'RouterExplorer');
      }),
    ).toEqual([
      [30, 'projector started'],
      [30, 'no context'],
      [40, 'slow'],
      [50, 'broken'],
    ]);
  });
});
