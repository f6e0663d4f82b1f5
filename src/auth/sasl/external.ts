/**
 * EXTERNAL (RFC 4422 appendix A): the identity comes from outside SASL. Offered on UNIX-socket
 * connections (the local client is trusted as an administrator, as Cyrus trusts lmtpd's socket) and
 * after a TLS handshake with a verified client certificate (its subject CN is the user). The
 * message is the authorization identity, empty for "the one authenticated".
 */
import { MailError } from '../../common/errors.js';
import { utf8, type MechanismStep, type ServerMechanism } from './types.js';

export class ExternalMechanism implements ServerMechanism {
  private asked = false;

  async step(data: Buffer | null): Promise<MechanismStep> {
    if (data === null) {
      if (this.asked) throw new MailError('Invalid', 'EXTERNAL needs a response');
      this.asked = true;
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    const authzid = utf8(data);
    if (authzid.includes('\u0000')) throw new MailError('Invalid', 'EXTERNAL authorization identity with NUL');
    return { kind: 'done', result: { kind: 'external', authzid } };
  }
}
