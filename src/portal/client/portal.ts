/**
 * Progressive enhancements for every portal page. Each page works without this script; with it:
 * copy buttons, live "time left" countdowns, the key archive saved right after an AutoCSR order, the
 * order form showing only the fields the chosen options need, and CSR files opened into the text box.
 * No network requests: the portal's CSP allows none from scripts.
 */
import { timeLeft } from '../time.js';
import { fromBase64 } from '../../core/encoding.js';

function copyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.dataset.copy ?? '');
      if (!source) return;
      const text = source instanceof HTMLTextAreaElement || source instanceof HTMLInputElement ? source.value : (source.textContent ?? '');
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = 'Copied';
      } catch {
        // No clipboard access (plain http): select the text so that Ctrl+C / Cmd+C copies it.
        const range = document.createRange();
        range.selectNodeContents(source);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
        button.textContent = 'Selected: press Ctrl+C';
      }
      setTimeout(() => (button.textContent = label), 2500);
    });
  }
}

function countdowns(): void {
  const els = [...document.querySelectorAll<HTMLElement>('[data-countdown]')];
  if (els.length === 0) return;
  const tick = () => {
    for (const el of els) {
      const until = Date.parse(el.dataset.countdown ?? '');
      if (!Number.isNaN(until)) el.textContent = timeLeft(until - Date.now());
    }
  };
  tick();
  setInterval(tick, 30_000);
}

/** The key archive of an AutoCSR order (or reissue) is saved once, right after the page arrives. */
function autoDownload(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-autodownload]')) {
    const m = /^data:([^;,]+);base64,(.*)$/.exec(a.href);
    if (m) {
      const bytes = fromBase64(m[2]!);
      a.href = URL.createObjectURL(new Blob([bytes], { type: m[1] }));
    }
    a.click();
    const note = document.getElementById(a.dataset.autodownload ?? '');
    if (note) note.hidden = false;
  }
}

/** Shows the fieldsets that the chosen radio buttons need (data-show-when="name=value[,value]"). */
function conditionalFields(): void {
  const blocks = [...document.querySelectorAll<HTMLElement>('[data-show-when]')];
  if (blocks.length === 0) return;
  const sync = () => {
    for (const block of blocks) {
      const [name, values] = (block.dataset.showWhen ?? '').split('=');
      const checked = document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`);
      block.hidden = !checked || !(values ?? '').split(',').includes(checked.value);
    }
  };
  document.addEventListener('change', (ev) => {
    if (ev.target instanceof HTMLInputElement && ev.target.type === 'radio') sync();
  });
  sync();
}

/** A file input that fills a text box from a local file (data-fill="textarea id"); the file is not uploaded. */
function fileFills(): void {
  for (const input of document.querySelectorAll<HTMLInputElement>('input[type=file][data-fill]')) {
    const wrap = input.closest<HTMLElement>('[data-js-only]') ?? input;
    wrap.hidden = false;
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      const target = document.getElementById(input.dataset.fill ?? '') as HTMLTextAreaElement | null;
      if (!file || !target) return;
      if (file.size > 64 * 1024) {
        target.setCustomValidity('That file is too large to be a CSR.');
        target.reportValidity();
        return;
      }
      target.setCustomValidity('');
      target.value = await file.text();
      input.value = '';
    });
  }
}

/** Saves the text of an element as a file, made in the browser (the text never goes into a URL). */
function saveTextButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-save-text]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const source = document.getElementById(button.dataset.saveText ?? '');
      if (!source) return;
      const text = `${button.dataset.prefix ?? ''}${source.textContent ?? ''}\n`;
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = button.dataset.filename ?? 'download.txt';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  }
}

/**
 * Forms that place something (data-submit-once): the second click of a double click sends nothing, so the
 * page shown is the first request's (with its CA Reference). The server refuses a second one anyway.
 */
function submitOnce(): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-submit-once]')) {
    let sent = false;
    form.addEventListener('submit', (ev) => {
      if (sent) {
        ev.preventDefault();
        return;
      }
      sent = true;
      for (const b of form.querySelectorAll<HTMLButtonElement>('button[type=submit]')) b.setAttribute('aria-disabled', 'true');
    });
  }
}

/** After a form: the error summary, or else the part of the page the form produced (data-autofocus). */
function focusErrors(): void {
  const target = document.getElementById('error-summary') ?? document.querySelector<HTMLElement>('[data-autofocus]');
  target?.focus();
}

copyButtons();
saveTextButtons();
countdowns();
autoDownload();
conditionalFields();
fileFills();
submitOnce();
focusErrors();
