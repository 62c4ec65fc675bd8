import {
  defaultRecoveryConfig,
  InvalidRecoveryConfigError,
  maxDisruptedNodes,
  parseRecoveryConfig,
} from '../../src/config/recovery-config';

describe('recovery config', () => {
  it("has the design document's defaults", () => {
    expect(defaultRecoveryConfig).toMatchObject({
      health_check_interval: 30,
      node_failure_threshold: 3,
      pod_restart_threshold: 5,
      recovery_timeout: 300,
      notification_enabled: true,
      dry_run: false,
      max_disrupted_nodes: '1',
      storm_threshold_percent: 40,
    });
  });

  it('coerces ConfigMap strings', () => {
    const config = parseRecoveryConfig({
      health_check_interval: '10',
      dry_run: 'true',
      max_disrupted_nodes: '20%',
    });
    expect(config).toMatchObject({ health_check_interval: 10, dry_run: true, max_disrupted_nodes: '20%' });
  });

  it('names every bad key and its value', () => {
    const bad = {
      health_check_interval: '5',
      node_failure_threshold: 'three',
      dry_run: 'maybe',
      colour: 'blue',
    };
    let error: unknown;
    try {
      parseRecoveryConfig(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidRecoveryConfigError);
    const issues = (error as InvalidRecoveryConfigError).issues.join('\n');
    expect(issues).toMatch(/health_check_interval: .*10.* \(got "5"\)/);
    expect(issues).toMatch(/node_failure_threshold: .* \(got "three"\)/);
    expect(issues).toMatch(/dry_run: .* \(got "maybe"\)/);
    expect(issues).toMatch(/colour/);
  });

  it.each([
    ['recovery_timeout', '59'],
    ['recovery_timeout', '1801'],
    ['pod_restart_threshold', '21'],
    ['node_failure_threshold', '0'],
    ['health_check_interval', '301'],
  ])('rejects %s=%s outside the design range', (key, value) => {
    expect(() => parseRecoveryConfig({ [key]: value })).toThrow(new RegExp(`${key}: .*\\(got "${value}"\\)`));
  });

  it('turns the disruption budget into a node count, never below one', () => {
    expect(maxDisruptedNodes({ max_disrupted_nodes: '3' }, 50)).toBe(3);
    expect(maxDisruptedNodes({ max_disrupted_nodes: '10%' }, 50)).toBe(5);
    expect(maxDisruptedNodes({ max_disrupted_nodes: '10%' }, 5)).toBe(1);
  });

  describe('sections (`<area>.<key>`)', () => {
    const issuesOf = (data: Record<string, string>): readonly string[] => {
      try {
        parseRecoveryConfig(data);
      } catch (error) {
        if (error instanceof InvalidRecoveryConfigError) return error.issues;
        throw error;
      }
      throw new Error(`accepted ${JSON.stringify(data)}`);
    };

    it("have the design's restart strategy as the workload defaults, and take dotted keys", () => {
      expect(defaultRecoveryConfig.workload).toMatchObject({ restart_attempts: 3, restart_interval: 30 });
      expect(parseRecoveryConfig({ 'workload.restart_attempts': '5', dry_run: 'true' })).toMatchObject({
        dry_run: true,
        workload: expect.objectContaining({ restart_attempts: 5, restart_interval: 30 }),
      });
    });

    it('reject a bad value naming the dotted key and the value', () => {
      expect(issuesOf({ 'workload.restart_interval': '1' })).toEqual([
        expect.stringMatching(/^workload\.restart_interval: .*\(got "1"\)$/),
      ]);
    });

    it('reject an unknown key of a section, and an unknown area', () => {
      expect(issuesOf({ 'workload.restart_atempts': '3' }).join()).toMatch(/workload.*restart_atempts/);
      expect(issuesOf({ 'services.check_path': '/healthz' }).join()).toMatch(/services\.check_path/);
    });

    it('reject a secret-looking key without echoing its value: secrets come from a Secret and the environment', () => {
      const issues = issuesOf({ 'notifications.slack_bot_token': 'xoxb-123' });
      expect(issues).toEqual([
        expect.stringMatching(/^notifications\.slack_bot_token: secrets never go in the ConfigMap/),
      ]);
      expect(issues.join()).not.toContain('xoxb');
    });
  });
});
