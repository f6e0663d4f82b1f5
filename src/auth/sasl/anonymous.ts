/** ANONYMOUS (RFC 4505): an optional trace string (an e-mail address or a token) of up to 255 characters. */
import { MailError } from '../../common/errors.js';
import { utf8, type MechanismStep, type ServerMechanism } from './types.js';

export class AnonymousMechanism implements ServerMechanism {
  private asked = false;

  async step(data: Buffer | null): Promise<MechanismStep> {
    if (data === null) {
      if (this.asked) throw new MailError('Invalid', 'ANONYMOUS needs a response');
      this.asked = true;
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    const trace = utf8(data);
    if ([...trace].length > 255) throw new MailError('Invalid', 'ANONYMOUS trace longer than 255 characters');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(trace)) throw new MailError('Invalid', 'ANONYMOUS trace with control characters');
    return { kind: 'done', result: { kind: 'anonymous', trace } };
  }
}
