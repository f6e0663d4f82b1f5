/**
 * deliver, as Cyrus's deliver(8): reads a message on stdin and hands it to lmtpd over the lmtp
 * UNIX socket (`lmtpsocket`), one RCPT per userid ("userid+mailbox" with -m; with -m and no
 * userid, the shared mailbox as "postuser+mailbox"). -r/-f give MAIL FROM (lmtpd adds the
 * Return-Path), -a the posting identity (MAIL AUTH=; the socket is trusted), -q IGNOREQUOTA.
 * The message goes as one BDAT LAST chunk (CHUNKING), so no dot-stuffing and any bytes pass.
 *
 * Exit status (sysexits): 0 every recipient took it; 75 a temporary failure for one at least;
 * 67 an unknown user; 65 another permanent failure; 78 bad configuration; 64 usage.
 */
import { createConnection, type Socket } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { EXIT_CONFIG, EXIT_DATAERR, EXIT_TEMPFAIL, type Writer } from '../store/tool-support.js';

const EXIT_USAGE = 64;
const EXIT_NOUSER = 67;

export interface DeliverOptions {
  config: string;
  mailbox?: string;
  returnPath?: string;
  from?: string;
  auth?: string;
  ignoreQuota?: boolean;
  lmtp?: boolean;
  /** The socket to use instead of lmtpsocket (tests). */
  socket?: string;
}

/** RFC 3461 xtext: "+" "=" and bytes outside 33..126 as "+HH". */
function xtext(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b < 33 || b > 126 || b === 0x2b || b === 0x3d ? `+${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
}

/** Reads whole replies ("NNN-..." lines up to "NNN ...") from the server. */
class ReplyReader {
  private buffer = '';
  private waiting: (() => void) | null = null;
  private ended = false;

  constructor(socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiting?.();
    });
  }

  async next(): Promise<string> {
    for (;;) {
      const match = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buffer);
      if (match) {
        this.buffer = this.buffer.slice(match[0].length);
        return match[0].trimEnd();
      }
      if (this.ended) throw new Error('lmtpd closed the connection');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
      this.waiting = null;
    }
  }
}

function connect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Deliver `message` to `userids`; returns the exit status. */
export async function runDeliver(userids: readonly string[], message: Buffer, options: DeliverOptions, err: Writer): Promise<number> {
  if (options.lmtp) {
    err('deliver: -l is not supported: connect to lmtpd instead\n');
    return EXIT_USAGE;
  }
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`deliver: ${e.message}\n`);
    return EXIT_CONFIG;
  }
  const mailbox = options.mailbox;
  const recipients = userids.length > 0
    ? userids.map((u) => (mailbox ? `${u}+${mailbox}` : u))
    : mailbox ? [`${config.string('postuser') ?? ''}+${mailbox}`] : [];
  if (recipients.length === 0) {
    err('deliver: name at least one userid, or a mailbox with -m\n');
    return EXIT_USAGE;
  }
  const path = options.socket ?? config.path('lmtpsocket')!;
  let socket: Socket;
  try {
    socket = await connect(path);
  } catch (e) {
    err(`deliver: cannot connect to lmtpd at ${path}: ${(e as Error).message}\n`);
    return EXIT_TEMPFAIL;
  }
  const replies = new ReplyReader(socket);
  const send = async (line: string): Promise<string> => {
    socket.write(`${line}\r\n`);
    return replies.next();
  };
  let status = 0;
  const fail = (rcpt: string, reply: string) => {
    err(`deliver: ${rcpt}: ${reply}\n`);
    const code = Number(reply.slice(0, 3));
    const next = code >= 400 && code < 500 ? EXIT_TEMPFAIL : /^550 5\.1\.1/.test(reply) ? EXIT_NOUSER : EXIT_DATAERR;
    if (status !== EXIT_TEMPFAIL) status = next;
  };
  try {
    const greeting = await replies.next();
    if (!greeting.startsWith('220')) throw new Error(greeting);
    const lhlo = await send(`LHLO ${config.string('servername') ?? 'localhost'}`);
    if (!lhlo.startsWith('250')) throw new Error(lhlo);
    const sender = options.returnPath ?? options.from ?? '';
    const mail = await send(`MAIL FROM:<${sender}>${options.auth ? ` AUTH=${xtext(options.auth)}` : ''}`);
    if (!mail.startsWith('250')) throw new Error(mail);
    const accepted: string[] = [];
    for (const rcpt of recipients) {
      const answer = await send(`RCPT TO:<${rcpt}>${options.ignoreQuota ? ' IGNOREQUOTA' : ''}`);
      if (answer.startsWith('250')) accepted.push(rcpt);
      else fail(rcpt, answer);
    }
    if (accepted.length > 0) {
      socket.write(`BDAT ${message.length} LAST\r\n`);
      socket.write(message);
      for (const rcpt of accepted) {
        const answer = await replies.next();
        if (!answer.startsWith('250')) fail(rcpt, answer);
      }
    }
    await send('QUIT');
  } catch (e) {
    err(`deliver: ${(e as Error).message}\n`);
    status = EXIT_TEMPFAIL;
  } finally {
    socket.destroy();
  }
  return status;
}

async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const address = (text: string): string => {
  if (/[<>\s]/.test(text)) throw new InvalidArgumentError(`not an address: "${text}"`);
  return text;
};

/** `cyrusts deliver [-C imapd.conf] [-d] [-r address] [-f address] [-m mailbox] [-a auth-id] [-q] [userid...]` */
export const registerDeliver = (program: Command): void => {
  program
    .command('deliver')
    .description('deliver a message from stdin to users\' mailboxes through lmtpd (its UNIX socket)')
    .argument('[userid...]', 'recipients; with -m, their folder of that name')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-d', 'ignored, for compatibility with /bin/mail')
    .option('-r, --return-path <address>', 'the envelope sender (Return-Path)', address)
    .option('-f, --from <address>', 'the same as -r', address)
    .option('-m, --mailbox <mailbox>', 'deliver to this folder of each user (or this shared mailbox when no userid is given)')
    .option('-a, --auth <auth-id>', 'the posting identity whose rights count (default anonymous)')
    .option('-q, --ignore-quota', 'deliver even when a mailbox is over quota')
    .option('-l, --lmtp', 'speak LMTP on stdin/stdout (not supported)')
    .action(async (userids: string[], opts: DeliverOptions) => {
      const message = opts.lmtp ? Buffer.alloc(0) : await readStdin();
      process.exitCode = await runDeliver(userids, message, opts, (t) => process.stderr.write(t));
    });
};
