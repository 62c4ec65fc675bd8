import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { renderRecoveryCard, SlackLimits } from '../../src/activities/notify/slack-blocks';
import type { AlertMessage } from '../../src/domain';

const opts = { uiBaseUrl: 'http://temporal.example:8233/', namespace: 'default' };

function message(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    level: 'warning',
    title: 'Node node-a is NotReady',
    detail: 'The kubelet stopped posting status.',
    workflowId: 'node-recovery/node-a',
    kind: 'node',
    target: 'node-a',
    phase: 'Draining',
    step: 'evicting 3 pods',
    evidence: ['NotReady at 10:00'],
    actions: ['cordoned node-a'],
    ...overrides,
  };
}

const pending: AlertMessage['pendingApproval'] = {
  action: 'replace-node',
  detail: 'replace node-a through sim',
  requestedAt: '2025-01-01T10:00:00Z',
};

function actionsBlock(blocks: KnownBlock[]): ActionsBlock | undefined {
  return blocks.find((b): b is ActionsBlock => b.type === 'actions');
}

function buttonIds(blocks: KnownBlock[]): (string | undefined)[] {
  return (actionsBlock(blocks)?.elements ?? []).map((e) => (e as Button).action_id);
}

function allText(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

describe('the recovery card', () => {
  it('shows the level, title, target fields, detail, evidence and actions, with a link to the Temporal UI', () => {
    const card = renderRecoveryCard(message({ level: 'critical' }), opts);

    expect(card.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: Node node-a is NotReady' },
    });
    expect(card.blocks[1]).toMatchObject({
      type: 'section',
      fields: [
        { text: '*Kind*\nnode' },
        { text: '*Target*\nnode-a' },
        { text: '*Phase*\nDraining' },
        { text: '*Step*\nevicting 3 pods' },
      ],
    });
    expect(allText(card.blocks)).toContain('The kubelet stopped posting status.');
    expect(allText(card.blocks)).toContain('• NotReady at 10:00');
    expect(allText(card.blocks)).toContain('• cordoned node-a');
    const link = actionsBlock(card.blocks)?.elements.at(-1) as Button;
    expect(link).toMatchObject({
      action_id: 'open-in-temporal',
      url: 'http://temporal.example:8233/namespaces/default/workflows/node-recovery%2Fnode-a',
    });
    expect(card.text).toBe(':rotating_light: Node node-a is NotReady: node-a is Draining');
  });

  it('offers Approve and Reject only while a decision is pending, carrying the workflow ID', () => {
    expect(buttonIds(renderRecoveryCard(message(), opts).blocks)).toEqual(['open-in-temporal']);

    const card = renderRecoveryCard(message({ pendingApproval: pending }), opts);
    const block = actionsBlock(card.blocks);
    expect(block?.block_id).toBe('decision');
    expect(block?.elements.slice(0, 2)).toEqual([
      expect.objectContaining({ action_id: 'approve', style: 'primary', value: 'node-recovery/node-a' }),
      expect.objectContaining({ action_id: 'reject', style: 'danger', value: 'node-recovery/node-a' }),
    ]);
    expect(allText(card.blocks)).toContain('*Approval needed:* replace-node: replace node-a through sim');
    expect(card.text).toContain('approval needed');
  });

  it('shows who decided and when instead of buttons once decided, mentioning a Slack user', () => {
    const card = renderRecoveryCard(
      message({
        pendingApproval: pending,
        decision: {
          approved: true,
          by: 'slack:U123ABC',
          at: '2025-01-01T10:05:00.000Z',
          reason: 'via Slack',
        },
      }),
      opts,
    );

    expect(buttonIds(card.blocks)).toEqual(['open-in-temporal']);
    const seconds = Date.parse('2025-01-01T10:05:00.000Z') / 1000;
    expect(card.blocks).toContainEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Approved by <@U123ABC> at <!date^${seconds}^{date_short_pretty} {time}|2025-01-01T10:05:00.000Z>: via Slack`,
        },
      ],
    });
    const byName = renderRecoveryCard(
      message({ decision: { approved: false, by: 'alice <ops>', at: 'soon' } }),
      opts,
    );
    expect(allText(byName.blocks)).toContain('Rejected by alice &lt;ops&gt; at soon');
  });

  it('offers Acknowledge on an escalation that waits for no decision', () => {
    expect(buttonIds(renderRecoveryCard(message({ escalationLevel: 2 }), opts).blocks)).toEqual([
      'acknowledge',
      'open-in-temporal',
    ]);
    expect(
      buttonIds(renderRecoveryCard(message({ escalationLevel: 2, pendingApproval: pending }), opts).blocks),
    ).toEqual(['approve', 'reject', 'open-in-temporal']);
  });

  it('escapes cluster text so a pod message cannot mention @channel or forge a link', () => {
    const card = renderRecoveryCard(
      message({ detail: 'boom <!channel> & <https://evil|click>', evidence: ['<@U999> crashed'] }),
      opts,
    );

    const text = allText(card.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).toContain('boom &lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
  });

  it('stays within Block Kit limits: long texts are cut, old actions summarised', () => {
    const long = 'x'.repeat(10_000);
    const actions = Array.from({ length: 40 }, (_, i) => `action ${i} ${'y'.repeat(450)}`);
    const card = renderRecoveryCard(
      message({ title: long, detail: `&${long}`, step: long, actions, evidence: [long, long] }),
      opts,
    );

    expect(card.blocks.length).toBeLessThanOrEqual(SlackLimits.blocks);
    for (const block of card.blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'section')
        for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
    expect(card.text.length).toBeLessThanOrEqual(3000);
    const done = allText(card.blocks);
    expect(done).toContain('action 39');
    expect(done).not.toContain('action 31 ');
    expect(done).toMatch(/…and \d+ earlier/);
  });

  it('leaves the buttons out when the workflow ID cannot fit a button value', () => {
    const card = renderRecoveryCard(
      message({ workflowId: 'w'.repeat(2001), pendingApproval: pending }),
      opts,
    );

    expect(buttonIds(card.blocks)).toEqual(['open-in-temporal']);
    expect(allText(card.blocks)).toContain('too long for a Slack button');
  });
});
