/**
 * One message, two parts: the blocks of a message become its plain-text part and its HTML part, so both
 * always say the same. Every value is escaped in HTML; links are absolute URLs written out in full in the
 * text part.
 */
export type Block =
  | string
  | { link: string; label: string }
  | { code: string }
  | { list: string[] }
  | { heading: string };

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Private keys never go into a mail, whatever a template is handed. */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function render(subject: string, blocks: Block[], footer: string): MailContent {
  const text: string[] = [];
  const html: string[] = [];
  for (const b of blocks) {
    if (typeof b === 'string') {
      text.push(b);
      html.push(`<p>${escapeHtml(b)}</p>`);
    } else if ('link' in b) {
      text.push(`${b.label}:\n${b.link}`);
      html.push(`<p><a href="${escapeHtml(b.link)}">${escapeHtml(b.label)}</a></p>`);
    } else if ('code' in b) {
      text.push(b.code.split('\n').map((l) => `    ${l}`).join('\n'));
      html.push(`<pre style="background:#f4f4f4;padding:8px;white-space:pre-wrap">${escapeHtml(b.code)}</pre>`);
    } else if ('list' in b) {
      text.push(b.list.map((l) => `  - ${l}`).join('\n'));
      html.push(`<ul>${b.list.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
    } else {
      text.push(`${b.heading}\n${'-'.repeat(b.heading.length)}`);
      html.push(`<h3>${escapeHtml(b.heading)}</h3>`);
    }
  }
  text.push(`-- \n${footer}`);
  html.push(`<hr><p style="color:#666;font-size:small">${escapeHtml(footer)}</p>`);
  const content: MailContent = {
    subject: subject.replace(/[\r\n]+/g, ' ').slice(0, 200),
    text: text.join('\n\n') + '\n',
    html: `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:sans-serif">${html.join('\n')}</body></html>`,
  };
  if (PRIVATE_KEY.test(content.text) || PRIVATE_KEY.test(content.html)) throw new Error('mail: a private key may never be mailed');
  return content;
}
