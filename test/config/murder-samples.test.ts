// The sample configurations of a Murder's three roles (conf/murder/) load without a warning, and
// every program their cyrus.conf names is one this server runs.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { loadCyrusConf } from '../../src/config/cyrus-conf.js';
import { planCommand } from '../../src/master/programs.js';
import { provideServicePrograms } from '../../src/master/service.js';
import { buildProgram } from '../../src/tools/cli.js';

const unused = () => Promise.reject(new Error('not loaded in this test'));
provideServicePrograms({ imapd: unused, pop3d: unused, lmtpd: unused, timsieved: unused, mupdate: unused });
const subcommands = new Set(buildProgram().commands.map((c) => c.name()));
const root = resolve(import.meta.dirname, '../../conf/murder');

describe.each(['mupdate-master', 'backend', 'frontend'])('conf/murder/%s', (role) => {
  it('imapd.conf loads without a warning', () => {
    const config = ImapdConfig.load(join(root, role, 'imapd.conf'));
    expect(config.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([]);
    expect(config.string('mupdate_server') !== null || role === 'mupdate-master').toBe(true);
  });

  it("cyrus.conf names only programs this server runs", () => {
    const conf = loadCyrusConf(join(root, role, 'cyrus.conf'));
    const plans = [...conf.start, ...conf.services].map((e) => planCommand(e.cmd, subcommands, ''));
    expect(plans.filter((p) => p.kind !== 'service' && p.kind !== 'subcommand' && p.kind !== 'builtin')).toEqual([]);
    expect(plans.length).toBeGreaterThan(0);
  });
});
