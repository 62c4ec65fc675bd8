import { jsonLogger } from '../../src/logging';

/** A logger at `minLevel` whose lines land in the returned array, parsed. */
function recording(minLevel?: Parameters<typeof jsonLogger>[1]) {
  const lines: string[] = [];
  const logger = jsonLogger((line) => lines.push(line), minLevel);
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, logger, parsed };
}

const slackBotToken = ['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-');
const slackAppToken = ['xapp', '1', 'A0123456789', '1234567890123', 'abcdef0123456789'].join('-');
const signingSecret = '8f742231b10e8888abcd99yyyzzz85a5';
const bearer = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJl';

describe('the JSON logger', () => {
  it('writes one JSON object per line with an ISO time, the level by name, the message and the attributes', () => {
    const { lines, logger, parsed } = recording();
    logger.warn('drain blocked', { node: 'n1', pdbs: ['shop/web'] });

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\{.*\}\n$/);
    const [line] = parsed();
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'warn',
      message: 'drain blocked',
      node: 'n1',
      pdbs: ['shop/web'],
    });
  });

  it('keeps its own message and level when an attribute has the same name', () => {
    const { logger, parsed } = recording();
    logger.info('recovery started', { message: 'kubelet stopped', level: 'fatal', node: 'n1' });

    expect(parsed()[0]).toMatchObject({ level: 'info', message: 'recovery started', node: 'n1' });
  });

  it('drops lines below its level and writes the ones at or above it', () => {
    const { lines, logger, parsed } = recording('warn');
    logger.debug('noise');
    logger.info('chatter');
    logger.error('failed');
    expect(lines).toHaveLength(1);
    expect(parsed()[0]).toMatchObject({ level: 'error', message: 'failed' });
  });

  it('writes debug lines when asked for them', () => {
    const { parsed, logger } = recording('debug');
    logger.debug('Ready withheld', { workload: 'Deployment/shop/web' });
    expect(parsed()[0]).toMatchObject({ level: 'debug', workload: 'Deployment/shop/web' });
  });

  it('keeps an Error attribute as its name and message instead of {}', () => {
    const { parsed, logger } = recording();
    logger.error('could not signal', { error: new TypeError('boom') });
    expect(parsed()[0]).toMatchObject({ error: { name: 'TypeError', message: 'boom' } });
  });

  it('survives a cyclic attribute', () => {
    const { parsed, logger } = recording();
    const node: Record<string, unknown> = { name: 'n1' };
    node.self = node;
    logger.info('cyclic', { node });
    expect(parsed()[0]).toMatchObject({ node: { name: 'n1', self: '[Circular]' } });
  });
});

describe('the JSON logger never writes a secret', () => {
  it('redacts attributes whose key names a secret, in any case and at any depth', () => {
    const { lines, logger, parsed } = recording();
    logger.info('config loaded', {
      slack: { botToken: slackBotToken, signingSecret, channel: '#incidents' },
      email: { smtp: { user: 'ops', PASSWORD: 'hunter2' } },
      pagerduty: { routing_key: 'R0UT1NGKEY', routingKey: 'R0UT1NGKEY2' },
      api_key: 'k1',
      apiKey: 'k2',
      headers: [{ Authorization: `Bearer ${bearer}`, Cookie: 'session=abc' }],
      client_secret: 's3cr3t',
    });

    expect(parsed()[0]).toMatchObject({
      slack: { botToken: '[Redacted]', signingSecret: '[Redacted]', channel: '#incidents' },
      email: { smtp: { user: 'ops', PASSWORD: '[Redacted]' } },
      pagerduty: { routing_key: '[Redacted]', routingKey: '[Redacted]' },
      api_key: '[Redacted]',
      apiKey: '[Redacted]',
      headers: [{ Authorization: '[Redacted]', Cookie: '[Redacted]' }],
      client_secret: '[Redacted]',
    });
    for (const secret of [
      slackBotToken,
      signingSecret,
      'hunter2',
      'R0UT1NGKEY',
      bearer,
      'session=abc',
      's3cr3t',
    ])
      expect(lines[0]).not.toContain(secret);
  });

  it('redacts Slack tokens and Bearer credentials inside any string, the message included', () => {
    const { lines, logger, parsed } = recording();
    logger.warn(`slack said no to ${slackBotToken}`, {
      detail: `socket mode with ${slackAppToken} failed`,
      request: { header: `authorization: Bearer ${bearer}` },
      notes: [`user token xoxp-1-2-3-abc in a list`],
    });

    const [line] = parsed();
    expect(line).toMatchObject({
      message: 'slack said no to [Redacted]',
      detail: 'socket mode with [Redacted] failed',
      request: { header: 'authorization: Bearer [Redacted]' },
      notes: ['user token [Redacted] in a list'],
    });
    for (const secret of [slackBotToken, slackAppToken, bearer, 'xoxp-1-2-3-abc'])
      expect(lines[0]).not.toContain(secret);
  });

  it('redacts a token in an Error message, and in its cause', () => {
    const { lines, logger, parsed } = recording();
    const error = new Error(`invalid_auth for token ${slackBotToken}`, {
      cause: new Error(`upstream rejected Bearer ${bearer}`),
    });
    logger.error('slack post failed', { error, nested: { errors: [error] } });

    expect(parsed()[0]).toMatchObject({
      error: {
        name: 'Error',
        message: 'invalid_auth for token [Redacted]',
        cause: { message: 'upstream rejected Bearer [Redacted]' },
      },
    });
    expect(lines[0]).not.toContain(slackBotToken);
    expect(lines[0]).not.toContain(bearer);
  });

  it('redacts the password of a URL but keeps the rest of it', () => {
    const { lines, logger, parsed } = recording();
    logger.info('smtp connecting', { url: 'smtp://ops:hunter2@mail.example.com:587' });
    expect(parsed()[0]).toMatchObject({ url: 'smtp://ops:[Redacted]@mail.example.com:587' });
    expect(lines[0]).not.toContain('hunter2');
  });

  it('leaves ordinary attributes alone', () => {
    const { parsed, logger } = recording();
    const attributes = { node: 'n1', workflowId: 'node-recovery/n1', attempts: 3, ready: false, tags: ['a'] };
    logger.info('cordoned', attributes);
    expect(parsed()[0]).toMatchObject(attributes);
  });
});
