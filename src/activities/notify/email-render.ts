/**
 * What an alert email says: a subject a mail client can sort by, a plain-text body (what most
 * on-call readers and every mail filter see) and a simple HTML alternative with the same content.
 * Pure: no I/O, so the adapter stays about SMTP and the tests can read the text directly.
 */
import type { AlertMessage } from '../../domain/notification';

/** An email ready for the transport. */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** One labelled part of the body, rendered as text and as HTML alike. */
interface Section {
  label: string;
  lines: string[];
}

/** `[CRITICAL] Node worker-3 is NotReady (escalation level 2)`, on one line. */
export function emailSubject(message: AlertMessage): string {
  const escalation = message.escalationLevel ? ` (escalation level ${message.escalationLevel})` : '';
  // A title with a line break would otherwise fold into a second header line.
  return `[${message.level.toUpperCase()}] ${message.title}${escalation}`.replace(/\s+/g, ' ').trim();
}

/**
 * Renders `message` as an email.
 * @param workflowLink the recovery's page in the Temporal UI (see `workflowUiUrl`).
 */
export function renderEmail(message: AlertMessage, workflowLink: string): RenderedEmail {
  const sections = bodySections(message);
  return {
    subject: emailSubject(message),
    text: renderText(message, sections, workflowLink),
    html: renderHtml(message, sections, workflowLink),
  };
}

function bodySections(message: AlertMessage): Section[] {
  const sections: Section[] = [
    { label: 'What failed', lines: [`${message.kind} ${message.target}`] },
    { label: 'Where the recovery is', lines: [`phase ${message.phase}, step ${message.step}`] },
    { label: 'Detail', lines: message.detail.split('\n') },
    { label: 'Evidence', lines: message.evidence.length > 0 ? message.evidence : ['none recorded'] },
    { label: 'Actions so far', lines: message.actions.length > 0 ? message.actions : ['none yet'] },
  ];
  const approval = message.pendingApproval;
  if (approval) {
    sections.push({
      label: 'Waiting for your decision',
      lines: [`${approval.action}: ${approval.detail} (asked ${approval.requestedAt})`],
    });
  }
  const decision = message.decision;
  if (decision) {
    const verdict = decision.approved ? 'approved' : 'rejected';
    const reason = decision.reason ? `: ${decision.reason}` : '';
    sections.push({ label: 'Decision', lines: [`${verdict} by ${decision.by} at ${decision.at}${reason}`] });
  }
  return sections;
}

function renderText(message: AlertMessage, sections: Section[], workflowLink: string): string {
  const body = sections.map(({ label, lines }) =>
    lines.length === 1
      ? `${label}: ${lines[0]}`
      : [`${label}:`, ...lines.map((line) => `  - ${line}`)].join('\n'),
  );
  return [
    emailSubject(message),
    '',
    ...body.flatMap((part) => [part, '']),
    `Open the recovery in Temporal: ${workflowLink}`,
    `Workflow ID: ${message.workflowId}`,
    '',
  ].join('\n');
}

function renderHtml(message: AlertMessage, sections: Section[], workflowLink: string): string {
  const body = sections.map(({ label, lines }) =>
    lines.length === 1
      ? `<p><strong>${escapeHtml(label)}:</strong> ${escapeHtml(lines[0] ?? '')}</p>`
      : `<p><strong>${escapeHtml(label)}:</strong></p>\n<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`,
  );
  return [
    '<!doctype html>',
    '<html><body>',
    `<h2>${escapeHtml(emailSubject(message))}</h2>`,
    ...body,
    `<p><a href="${escapeHtml(workflowLink)}">Open the recovery in Temporal</a></p>`,
    `<p>Workflow ID: <code>${escapeHtml(message.workflowId)}</code></p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Alert text comes from the cluster (pod messages, names): never markup. */
function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
