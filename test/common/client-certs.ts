// Certificates for the client-certificate tests (tls_client_certs, SASL EXTERNAL), made by openssl
// in a temp directory: a server certificate, a client CA with certificates for fred and admin, and
// a certificate for fred from another CA. Plus a line reader over a client TLS socket.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

export interface ClientCerts {
  dir: string;
  /** imapd.conf lines: the server certificate and the client CA file. */
  serverConf: string[];
  caFile: string;
  fred: KeyPair;
  admin: KeyPair;
  /** CN=fred, signed by a CA the server does not know. */
  stranger: KeyPair;
  /** A CRL of the client CA that revokes fred's certificate (written on first call). */
  crlRevokingFred(): string;
  cleanup(): void;
}

export function makeClientCerts(): ClientCerts {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-clientcert-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.pem', '-days', '1', '-subj', '/CN=localhost');
  for (const ca of ['client', 'other']) openssl('req', '-x509', ...ec, '-keyout', `${ca}-ca.key`, '-out', `${ca}-ca.pem`, '-days', '1', '-subj', `/CN=${ca} test CA`);
  const issue = (name: string, cn: string, ca: string): KeyPair => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Test/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-ca.pem`, '-CAkey', `${ca}-ca.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1');
    return { cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  const fred = issue('fred', 'fred', 'client');
  const admin = issue('admin', 'admin', 'client');
  const stranger = issue('stranger', 'fred', 'other');
  const caFile = join(dir, 'client-ca.pem');
  return {
    dir,
    serverConf: [`tls_server_cert: ${join(dir, 'server.pem')}`, `tls_server_key: ${join(dir, 'server.key')}`, `tls_client_ca_file: ${caFile}`],
    caFile,
    fred,
    admin,
    stranger,
    crlRevokingFred: () => {
      const crl = join(dir, 'crl.pem');
      if (!existsSync(crl)) {
        writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = here\n[here]\ndatabase = index.txt\ndefault_md = sha256\ndefault_crl_days = 1\n');
        writeFileSync(join(dir, 'index.txt'), '');
        const ca = ['-config', 'ca.cnf', '-keyfile', 'client-ca.key', '-cert', 'client-ca.pem'];
        openssl('ca', ...ca, '-revoke', 'fred.pem');
        openssl('ca', ...ca, '-gencrl', '-out', 'crl.pem');
      }
      return crl;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Lines read from a client TLS socket: `next()` is the next line (null once the connection has closed). */
export interface TlsLines {
  socket: tls.TLSSocket;
  next(): Promise<string | null>;
  /** Write `text` + CRLF and read lines until one starting with `until` (inclusive). */
  command(text: string, until: string): Promise<string[]>;
  close(): void;
}

/** Wrap a finished client handshake in a line reader. */
export function tlsLines(socket: tls.TLSSocket): TlsLines {
  let buffer = '';
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffer += d;
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);
  const next = async (): Promise<string | null> => {
    for (;;) {
      const at = buffer.indexOf('\r\n');
      if (at >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        return line;
      }
      if (closed) return null;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    socket,
    next,
    async command(text: string, until: string) {
      socket.write(`${text}\r\n`);
      const lines: string[] = [];
      for (;;) {
        const line = await next();
        if (line === null) throw new Error(`connection closed after ${JSON.stringify(lines)}`);
        lines.push(line);
        if (line.startsWith(until)) return lines;
      }
    },
    close: () => socket.destroy(),
  };
}

/**
 * A client handshake over `options`: the line reader once it is done, or the error that ended it.
 * A server that refuses the client's certificate after the handshake (TLS 1.3 finishes the
 * client's side first) shows as a connection that closes before its first line: `firstLine`
 * (when given) reads that line and counts a close as the error "closed".
 */
export async function clientHandshake(options: tls.ConnectionOptions, firstLine: boolean): Promise<{ lines: TlsLines; greeting: string | null } | { error: string }> {
  const socket = tls.connect({ rejectUnauthorized: false, ...options });
  const outcome = await new Promise<string | null>((resolve) => {
    socket.once('secureConnect', () => resolve(null));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  if (outcome !== null) {
    socket.destroy();
    return { error: outcome };
  }
  const lines = tlsLines(socket);
  if (!firstLine) return { lines, greeting: null };
  const greeting = await lines.next();
  if (greeting === null) return { error: 'closed' };
  return { lines, greeting };
}
