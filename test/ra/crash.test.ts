/**
 * Crash safety (issue 8), in the suite: the crash campaign (scripts/campaigns/crash.ts, `npm run
 * crash-campaign`, 50 kills) run here with 20 SIGKILLs of the real server, each a short while after a
 * restart and aimed into an issuance request (ACME finalize, tracking validate/reissue) or a write, under
 * mixed ACME and REST load, restarted each time on the same data directory. The campaign then checks:
 *   - `PRAGMA integrity_check` is ok;
 *   - every certificate a client received is still downloadable and identical (or, replaced by a reissue,
 *     on the CRL); every acknowledged order and account is still there;
 *   - after the recovery time (EABGATE_ISSUANCE_LEASE_SECONDS=1) no order is `processing` or
 *     `pending_issuance`, and no tracking order holds more than one live certificate;
 *   - each plan counter equals the valid orders and the certificates stored under it.
 * One load and one set of checks for the test and the campaign: this file runs the campaign and reads its
 * figures rather than keeping a copy of it.
 */
import { spawn } from 'node:child_process';
import { describe, it, expect } from 'vitest';

interface CampaignRun {
  code: number | null;
  output: string;
}

function runCampaign(env: Record<string, string>, timeoutMs: number): Promise<CampaignRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/campaigns/crash.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const figures = (output: string, label: string): Record<string, unknown> => {
  const line = output.split('\n').find((l) => l.startsWith(`[crash] ${label}: `));
  return line ? (JSON.parse(line.slice(`[crash] ${label}: `.length)) as Record<string, unknown>) : {};
};

describe('crash safety: SIGKILL during issuance, restart on the same data directory', () => {
  it('survives 20 SIGKILLs: intact store, every certificate still served, nothing stuck, counters right', async () => {
    const run = await runCampaign({ CRASH_KILLS: '20', CRASH_UP_MIN_MS: '300', CRASH_UP_MAX_MS: '1500', CRASH_MAX_SECONDS: '200' }, 230_000);
    const load = figures(run.output, 'load');
    const result = figures(run.output, 'result');
    console.log(`[ra] crash load: ${JSON.stringify(load)}`);
    console.log(`[ra] crash result: ${JSON.stringify(result)}`);
    // The campaign's own verdict, with its failures in the message.
    expect(run.code, run.output.split('\n').filter((l) => /FAIL|  - |Error/.test(l)).join('\n').slice(-3000)).toBe(0);
    expect(run.output).toMatch(/\[crash\] PASS: \d+ SIGKILLs, every check held/);
    expect(result.integrity).toBe('ok');
    expect(load.kills).toBeGreaterThanOrEqual(10);
  }, 240_000);
});
