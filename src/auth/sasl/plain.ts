/** PLAIN (RFC 4616): one message "authzid NUL authcid NUL passwd". */
import { MailError } from '../../common/errors.js';
import { utf8, type MechanismEnv, type MechanismStep, type ServerMechanism } from './types.js';

export class PlainMechanism implements ServerMechanism {
  private asked = false;
  constructor(private readonly env: MechanismEnv) {}

  async step(data: Buffer | null): Promise<MechanismStep> {
    if (data === null) {
      if (this.asked) throw new MailError('Invalid', 'PLAIN needs a response');
      this.asked = true;
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    const fields = utf8(data).split('\u0000');
    if (fields.length !== 3) throw new MailError('Invalid', 'PLAIN message needs exactly two NUL separators');
    const [authzid, authcid, password] = fields as [string, string, string];
    if (authcid.length === 0 || password.length === 0) throw new MailError('Invalid', 'PLAIN message without user or password');
    const userid = await this.env.checkPassword(authcid, password);
    return { kind: 'done', result: { kind: 'user', userid, authzid } };
  }
}
