import { createApproverCheck } from '../../src/slack/approvers';
import { silentLogger } from '../../src/logging';

describe('who may answer a recovery from Slack', () => {
  let now = 0;
  let calls: string[] = [];
  let members: Record<string, string[] | Error> = {};
  const check = () =>
    createApproverCheck({
      users: ['U0ALICE'],
      groups: ['S0ONCALL', 'S0SRE'],
      listMembers: async (group) => {
        calls.push(group);
        const found = members[group];
        if (found instanceof Error) throw found;
        return found ?? [];
      },
      logger: silentLogger,
      now: () => now,
    });

  beforeEach(() => {
    now = 0;
    calls = [];
    members = { S0ONCALL: ['U0CAROL'], S0SRE: ['U0DAVE'] };
  });

  it('allows listed users without asking Slack, and members of a listed group', async () => {
    const mayDecide = check();

    expect(await mayDecide('U0ALICE')).toEqual({ allowed: true });
    expect(calls).toEqual([]);
    expect(await mayDecide('U0DAVE')).toEqual({ allowed: true });
    expect(await mayDecide('U0MALLORY')).toEqual({
      allowed: false,
      why: 'you are not on the approver list nor in an approver group',
    });
  });

  it('asks Slack for a group’s members once a minute, however many clicks come', async () => {
    const mayDecide = check();

    await Promise.all([mayDecide('U0CAROL'), mayDecide('U0CAROL'), mayDecide('U0MALLORY')]);
    expect(calls).toEqual(['S0ONCALL', 'S0SRE']);
    members.S0ONCALL = [];
    now = 59_000;
    expect(await mayDecide('U0CAROL')).toEqual({ allowed: true });
    now = 60_000;
    expect(await mayDecide('U0CAROL')).toMatchObject({ allowed: false });
    expect(calls).toEqual(['S0ONCALL', 'S0SRE', 'S0ONCALL', 'S0SRE']);
  });

  it('refuses, saying so, when a group cannot be read, and asks again on the next click', async () => {
    members.S0SRE = Object.assign(new Error('An API error occurred: missing_scope'), {
      data: { error: 'missing_scope' },
    });
    const mayDecide = check();

    expect(await mayDecide('U0DAVE')).toEqual({
      allowed: false,
      why: 'your membership of the approver groups could not be checked (S0SRE: missing_scope)',
    });
    members.S0SRE = ['U0DAVE'];
    expect(await mayDecide('U0DAVE')).toEqual({ allowed: true });
  });
});
