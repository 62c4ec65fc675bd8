import { connectionOptions } from '../../src/config/connection';
import { ConfigError, loadEnv } from '../../src/config/env';

describe('connection settings from the environment', () => {
  it('defaults to the local lab', () => {
    expect(loadEnv({})).toEqual({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'self-healing',
      SELF_HEALING_CONFIG_NAME: 'self-healing-config',
      SELF_HEALING_CONFIG_NAMESPACE: 'self-healing',
    });
  });

  it('names the variable and the value it rejects', () => {
    expect(() => loadEnv({ TEMPORAL_ADDRESS: 'localhost' })).toThrow(
      /TEMPORAL_ADDRESS: expected host:port.*\(got "localhost"\)/,
    );
  });

  it('requires the TLS certificate and key together, without printing the key', () => {
    expect(() => loadEnv({ TEMPORAL_TLS_CERT: '/c.pem' })).toThrow(ConfigError);
    expect(() => loadEnv({ TEMPORAL_TLS_KEY: '' })).toThrow(/TEMPORAL_TLS_KEY: .*<redacted>/);
  });

  it('takes a CA, a server name and an API key, and never prints the key', async () => {
    const env = loadEnv({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_API_KEY: 'secret-key',
      TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud',
    });
    expect(await connectionOptions(env)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      apiKey: 'secret-key',
      tls: { serverNameOverride: 'ns.acct.tmprl.cloud' },
    });
    expect(await connectionOptions(loadEnv({}))).toEqual({ address: '127.0.0.1:7233' });
    expect(() => loadEnv({ TEMPORAL_API_KEY: '' })).toThrow(/TEMPORAL_API_KEY: .*<redacted>/);
  });
});
