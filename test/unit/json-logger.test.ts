import { jsonLogger } from '../../src/logging';

describe('the detector JSON logger', () => {
  it('keeps its own message and level when an attribute has the same name', () => {
    const lines: string[] = [];
    jsonLogger((line) => lines.push(line)).info('recovery started', {
      message: 'kubelet stopped',
      node: 'n1',
    });

    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'info',
      message: 'recovery started',
      node: 'n1',
    });
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    jsonLogger((line) => lines.push(line), 'warn').info('chatter');
    expect(lines).toEqual([]);
  });
});
