/** NOOP, LOGOUT and STARTTLS. */
import { statusLine } from '../wire/writer.js';
import { MupdateAnswer, type MupdateCommand } from './types.js';

export const noopCommand: MupdateCommand = {
  name: 'NOOP',
  states: ['authenticated', 'streaming'],
  minArgs: 0,
  maxArgs: 0,
  handle(ctx, tag) {
    ctx.write(statusLine(tag, 'OK', 'Noop done'));
  },
};

export const logoutCommand: MupdateCommand = {
  name: 'LOGOUT',
  states: ['unauthenticated', 'authenticated', 'streaming'],
  minArgs: 0,
  maxArgs: 0,
  handle(ctx, tag) {
    ctx.write(statusLine(tag, 'OK', 'bye-bye'));
    ctx.closeAfterReply('logout');
  },
};

export const starttlsCommand: MupdateCommand = {
  name: 'STARTTLS',
  states: ['unauthenticated'],
  minArgs: 0,
  maxArgs: 0,
  handle(ctx, tag) {
    if (ctx.tls) throw new MupdateAnswer('BAD', 'Already using TLS');
    if (!ctx.deps.tlsContext) throw new MupdateAnswer('BAD', 'TLS is not available');
    ctx.write(statusLine(tag, 'OK', 'Begin TLS negotiation now'));
    ctx.startTls();
  },
};
