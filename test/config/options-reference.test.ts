import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImapdConfig, OPTIONS } from '../../src/config/index.js';
import { confAll, confDefault, confDiffering, confLint, optionsMarkdown, OPTIONS_END, replaceOptionsBlock, runCyrInfo } from '../../src/tools/cyr_info.js';

const root = join(import.meta.dirname, '..', '..');
const REGENERATE = 'regenerate with: npx tsc -p . && node dist/bin/cyrusts.js cyr_info options-markdown --update README.md docs/options.md';

describe('option reference', () => {
  it("README's generated block matches the option table", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.includes(OPTIONS_END), 'README has no options markers').toBe(true);
    expect(replaceOptionsBlock(readme), REGENERATE).toBe(readme);
  });

  it('docs/options.md matches the option table', () => {
    expect(readFileSync(join(root, 'docs', 'options.md'), 'utf8'), REGENERATE).toBe(optionsMarkdown());
  });

  it('lists every option once, with pipes escaped', () => {
    const md = optionsMarkdown();
    for (const spec of OPTIONS) expect(md.split('\n').filter((l) => l.startsWith(`| \`${spec.name}\` |`))).toHaveLength(1);
    const sample = optionsMarkdown([{ area: 'x', name: 'a', type: 'string', default: 'p|q', doc: 'one | two' }]);
    expect(sample).toContain('| `a` | string | `p\\|q` | one \\| two |');
  });

  it('refuses a file without markers', () => {
    expect(() => replaceOptionsBlock('# no markers\n')).toThrow(/markers/);
  });
});

describe('cyr_info', () => {
  const text = [
    'configdirectory: /var/lib/cyrus',
    'partition-default: /var/spool/cyrus/mail',
    'metapartition-default: /var/spool/cyrus/meta',
    'archivepartition-default: {configdirectory}/archive',
    'loglevel: info', // equal to the default: not shown by conf
    'allowplaintext: yes',
    'imaps_allowplaintext: no',
    'master_shutdown_timeout: 2m',
    'newsspool: /var/spool/news', // a Cyrus option this server does not use
    'frobnicate: 1', // unknown
    'lmtp_admins: postman  cyrus',
    'backuppartition-old: /srv/backup',
    '',
  ].join('\n');
  const config = ImapdConfig.fromText(text, '/etc/imapd.conf');

  it('conf: only what differs from the default', () => {
    expect(confDiffering(config)).toEqual([
      'configdirectory: /var/lib/cyrus',
      'master_shutdown_timeout: 2m',
      'allowplaintext: yes',
      'partition-default: /var/spool/cyrus/mail',
      'metapartition-default: /var/spool/cyrus/meta',
      'archivepartition-default: /var/lib/cyrus/archive',
      'backuppartition-old: /srv/backup',
      'imaps_allowplaintext: no',
      'lmtp_admins: postman cyrus',
      'newsspool: /var/spool/news',
    ]);
    const imaps = confDiffering(config.forService('imaps'));
    expect(imaps).not.toContain('allowplaintext: yes');
    expect(imaps).toContain('imaps_allowplaintext: no');
    expect(imaps).toContain('metapartition-default: /var/spool/cyrus/meta');
  });

  it('conf-all: every option with its effective value', () => {
    const all = confAll(config);
    expect(all.length).toBe(OPTIONS.length + 4);
    expect(all.slice(OPTIONS.length)).toEqual([
      'partition-default: /var/spool/cyrus/mail',
      'metapartition-default: /var/spool/cyrus/meta',
      'archivepartition-default: /var/lib/cyrus/archive',
      'backuppartition-old: /srv/backup',
    ]);
    expect(all).toContain('proc_path: /var/lib/cyrus/proc');
    expect(all).toContain('master_restart_backoff: 1m');
    expect(all).toContain('allowplaintext: yes');
    expect(confAll(config.forService('imaps'))).toContain('allowplaintext: no');
  });

  it('conf-default: the table defaults', () => {
    expect(confDefault()).toContain('proc_path: {configdirectory}/proc');
    expect(confDefault()).toHaveLength(OPTIONS.length);
  });

  it('conf-lint: unknown and unused options with file:line', () => {
    expect(confLint(config)).toEqual(['/etc/imapd.conf:10: unknown option "frobnicate" ignored', '/etc/imapd.conf:9: newsspool: accepted but not used by this server']);
  });

  it('exits 78 with file:line on a bad file, 64 on an unknown command', () => {
    const errors: string[] = [];
    expect(runCyrInfo('conf', { config: join(root, 'test/fixtures/nonexistent.conf'), masterConfig: '' }, () => undefined, (t) => errors.push(t))).toBe(78);
    expect(errors[0]).toMatch(/nonexistent\.conf:0: .*cannot read/);
    expect(runCyrInfo('frob', { config: join(root, 'conf/imapd.conf'), masterConfig: '' }, () => undefined, (t) => errors.push(t))).toBe(64);
  });

  it('services: lists cyrus.conf', () => {
    const out: string[] = [];
    expect(runCyrInfo('services', { config: '', masterConfig: join(root, 'conf/cyrus.conf') }, (t) => out.push(t), () => undefined)).toBe(0);
    expect(out.join('')).toMatch(/^imap\timapd -U 30\t127\.0\.0\.1:1143\tprefork=\d+ maxchild=10000$/m);
  });
});
