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
});
