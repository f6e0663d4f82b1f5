import { describe, expect, it } from 'vitest';
import { ConfigError, ImapdConfig } from '../../src/config/index.js';
import { UseridRules, virtDomainsSetting } from '../../src/auth/index.js';
import { Namespace } from '../../src/names/index.js';
import { OPTION_BY_NAME } from '../../src/config/options/index.js';
import { VIRTDOMAINS_WORDS } from '../../src/config/options/auth.js';

// The sample imapd.conf of the seed page "Virtual Domains" (002), as written there.
const SEED_SAMPLE = `configdirectory: /var/imap
partition-default: /var/spool/cyrus
admins: admin lukecage.admin@hisdomain.com mercedesknight.admin@herdomain.net
virtdomains: yes
defaultdomain: exampleisp.net
`;

const load = (virtdomains: string) => ImapdConfig.fromText(`configdirectory: /x\nvirtdomains: ${virtdomains}\n`, 'test.conf');

describe('virtdomains values', () => {
  it('loads the seed page sample: "yes" means on', () => {
    const config = ImapdConfig.fromText(SEED_SAMPLE, '/etc/imapd.conf');
    expect(virtDomainsSetting(config)).toBe('on');
    const rules = new UseridRules(config);
    expect(rules.virtdomains).toBe('on');
    expect(rules.defaultDomain).toBe('exampleisp.net');
    expect(rules.canonical('lukecage%hisdomain.com')).toBe('lukecage@hisdomain.com');
    expect(rules.canonical('fred', 'hisdomain.com')).toBe('fred@hisdomain.com');
    expect(Namespace.fromConfig(config).settings.virtDomains).toBe('on');
  });

  it.each([
    ['off', 'off'], ['no', 'off'], ['0', 'off'], ['false', 'off'], ['No', 'off'], ['FALSE', 'off'],
    ['userid', 'userid'], ['UserID', 'userid'],
    ['on', 'on'], ['yes', 'on'], ['1', 'on'], ['true', 'on'], ['Yes', 'on'], ['TRUE', 'on'],
  ])('virtdomains: %s is %s', (word, expected) => {
    const config = load(word);
    expect(virtDomainsSetting(config)).toBe(expected);
    expect(new UseridRules(config).virtdomains).toBe(expected);
  });

  it('the option table accepts exactly the words that have a meaning', () => {
    expect([...OPTION_BY_NAME.get('virtdomains')!.values!].sort()).toEqual(Object.keys(VIRTDOMAINS_WORDS).sort());
  });

  it('the default is off', () => {
    expect(virtDomainsSetting(ImapdConfig.fromText('configdirectory: /x\n'))).toBe('off');
  });

  it.each(['maybe', 'domain', '2', ''])('refuses virtdomains: %j with a clear error', (word) => {
    expect(() => load(word)).toThrow(ConfigError);
    expect(() => load(word)).toThrow(/virtdomains/);
  });
});
