/** Issue 17: `cyr_info conf-lint` names TLS files that are not there (the master would refuse to start). */
import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { confLint } from '../../src/tools/cyr_info.js';

describe('conf-lint and TLS files', () => {
  it('reports a missing certificate or key with file:line, and nothing for files that exist', () => {
    const config = ImapdConfig.fromText(
      ['configdirectory: /tmp/x', 'tls_server_cert: /nonexistent/cert.pem', `tls_server_key: ${import.meta.filename}`].join('\n'),
      '/etc/imapd.conf',
    );
    expect(confLint(config)).toEqual(['/etc/imapd.conf:2: tls_server_cert: /nonexistent/cert.pem does not exist']);
  });
});
