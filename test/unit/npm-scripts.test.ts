/**
 * The scripts the README names work as written: `npm run test:unit` runs the unit suites, and
 * only them (no lab needed).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '../..');

describe('npm scripts', () => {
  it('`npm run test:unit` selects every unit suite and nothing that needs the lab', () => {
    const run = spawnSync('npm', ['run', '--silent', 'test:unit', '--', '--listTests'], {
      cwd: root,
      encoding: 'utf8',
    });

    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const listed = run.stdout
      .split('\n')
      .filter((line) => line.endsWith('.test.ts'))
      .map((file) => path.relative(root, file));
    expect(listed).toContain('test/unit/drain.test.ts');
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.every((file) => file.startsWith('test/unit/'))).toBe(true);
  });
});
