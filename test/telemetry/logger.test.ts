import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../src/telemetry/logger.js';

const SECRET = 'sk-live-SECRET-4242';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const raw = (): string => chunks.join('');
  const lines = (): Record<string, unknown>[] =>
    raw()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, raw };
}

describe('createLogger', () => {
  it('writes NDJSON at the configured level', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.debug('hidden');
    log.info({ agent: 'planner' }, 'shown');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'shown', agent: 'planner', level: 30, name: 'token-ninja' });
  });

  it('never writes a credential header, at any depth the proxy logs headers', () => {
    const out = capture();
    const log = createLogger({ level: 'trace', destination: out.stream });
    const secretHeaders = {
      authorization: `Bearer ${SECRET}`,
      'proxy-authorization': `Basic ${SECRET}`,
      'x-api-key': SECRET,
      'api-key': SECRET,
      cookie: `session=${SECRET}`,
      'set-cookie': [`a=${SECRET}`],
      'content-type': 'application/json',
    };
    log.info({ headers: secretHeaders }, 'top');
    log.info({ req: { method: 'POST', url: '/v1/messages', headers: secretHeaders } }, 'req');
    log.warn({ upstream: { req: { headers: secretHeaders } } }, 'nested');
    log.error({ err: { request: { options: { headers: secretHeaders } } } }, 'deep');
    log.info({ authorization: SECRET, 'x-api-key': SECRET, config: { adminToken: SECRET, apiKey: SECRET, openaiApiKey: SECRET, anthropicApiKey: SECRET } }, 'keys');
    log.child({ req: { headers: secretHeaders } }).info('child');

    const raw = out.raw();
    expect(raw).not.toContain(SECRET);
    const lines = out.lines();
    expect(lines).toHaveLength(6);
    const req = lines[1]?.req as { headers: Record<string, unknown> };
    expect(req.headers.authorization).toBe(REDACTED);
    expect(req.headers['x-api-key']).toBe(REDACTED);
    expect(req.headers['api-key']).toBe(REDACTED);
    expect(req.headers.cookie).toBe(REDACTED);
    // Only credentials go: the rest of the headers stay readable.
    expect(req.headers['content-type']).toBe('application/json');
  });
});
