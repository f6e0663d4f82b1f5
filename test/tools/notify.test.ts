import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';
import { runNotifying } from '../../src/tools/notify.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let hub: NotifyHub | null = null;
let listener: NotifyClient | null = null;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes\nidlesocket: {configdirectory}/socket/idle');
});
afterEach(async () => {
  await listener?.close();
  await hub?.close();
  listener = hub = null;
  env.cleanup();
});

function until(test: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = () => (test() ? resolvePromise() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

async function mailboxWithOrphan(): Promise<void> {
  const store = env.open();
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  await box.append([{ content: message('kept') }]);
  fs.writeFileSync(join(box.path, '5.'), message('orphan').toString().replace(/\n/g, '\r\n'));
  box.close();
  store.close();
}

/** The master's hub on the configured socket and one client subscribed through it: the names it hears. */
async function hubWithListener(): Promise<string[]> {
  hub = await NotifyHub.listen(env.config.path('idlesocket')!);
  listener = NotifyClient.connect(env.config.path('idlesocket')!);
  const heard: string[] = [];
  listener.subscribe((m) => heard.push(m));
  await until(() => listener!.isConnected && hub!.clientCount === 1);
  return heard;
}

describe('tools notify the running server', () => {
  it('a reconstruct that adopts an orphan file reaches a client subscribed through the hub', async () => {
    await mailboxWithOrphan();
    const heard = await hubWithListener();
    let out = '';
    const status = await runNotifying(env.configFile, (notifier) => runReconstruct(['user.fred'], { config: env.configFile, notifier }, (t) => (out += t), (t) => (out += t)));
    expect(status).toBe(0);
    expect(out).toContain('message 5: file without a record; adopted');
    await until(() => heard.includes('user.fred'));
    expect(heard).toEqual(['user.fred']);
  });

  it('a reconstruct that finds nothing to fix reports no change; without a hub nothing fails', async () => {
    await mailboxWithOrphan();
    const changed: string[] = [];
    const run = () => runReconstruct(['user.fred'], { config: env.configFile, notifier: { mailboxChanged: (n) => changed.push(n) } }, () => undefined, () => undefined);
    expect(run()).toBe(0);
    expect(changed).toEqual(['user.fred']);
    expect(run()).toBe(0);
    expect(changed).toEqual(['user.fred']);
    // No master running: publishing is skipped quietly.
    expect(await runNotifying(env.configFile, (notifier) => runReconstruct(['user.fred'], { config: env.configFile, notifier }, () => undefined, () => undefined))).toBe(0);
  });

  it('the tool only publishes: its hub connection is muted (no relay to it, none counted for it)', async () => {
    await mailboxWithOrphan();
    const heard = await hubWithListener();
    const mute = vi.spyOn(NotifyClient.prototype, 'mute');
    try {
      await runNotifying(env.configFile, (notifier) => runReconstruct(['user.fred'], { config: env.configFile, notifier }, () => undefined, () => undefined));
      await until(() => heard.includes('user.fred'));
      expect(mute).toHaveBeenCalledTimes(1);
    } finally {
      mute.mockRestore();
    }
  });
});
