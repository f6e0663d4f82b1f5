/** LOGIN (draft-murchison-sasl-login): "Username:" then "Password:" challenges. */
import { MailError } from '../../common/errors.js';
import { utf8, type MechanismEnv, type MechanismStep, type ServerMechanism } from './types.js';

export class LoginMechanism implements ServerMechanism {
  private username: string | null = null;
  private started = false;
  constructor(private readonly env: MechanismEnv) {}

  async step(data: Buffer | null): Promise<MechanismStep> {
    if (!this.started) {
      this.started = true;
      if (data === null || data.length === 0) return { kind: 'challenge', data: Buffer.from('Username:') };
    } else if (data === null) {
      throw new MailError('Invalid', 'LOGIN needs a response');
    }
    if (this.username === null) {
      const name = utf8(data);
      if (name.length === 0 || name.includes('\u0000')) throw new MailError('Invalid', 'LOGIN user name empty or with NUL');
      this.username = name;
      return { kind: 'challenge', data: Buffer.from('Password:') };
    }
    const password = utf8(data);
    if (password.length === 0 || password.includes('\u0000')) throw new MailError('Invalid', 'LOGIN password empty or with NUL');
    const userid = await this.env.checkPassword(this.username, password);
    return { kind: 'done', result: { kind: 'user', userid, authzid: '' } };
  }
}
