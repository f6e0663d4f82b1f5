/**
 * What a client hears when its service is at maxchild (or has no worker to take it), or when its
 * address has too many connections that have not logged in: never silence
 * on a plaintext port. A TLS-on-connect service (`-s`, e.g. imaps) gets null, so the socket is just
 * closed: plaintext bytes would only garble the client's TLS handshake.
 */
export function refusalText(program: string, serviceName: string, servername: string, tlsOnConnect = false, reason: 'maxchild' | 'host' = 'maxchild'): string | null {
  if (tlsOnConnect) return null;
  const why = reason === 'host' ? 'too many connections from your address that have not logged in' : `too many connections to service ${serviceName}`;
  switch (program) {
    case 'imapd':
      return `* BYE [UNAVAILABLE] ${servername} ${why}, try again later\r\n`;
    case 'pop3d':
      return `-ERR [SYS/TEMP] ${servername} ${why}, try again later\r\n`;
    case 'lmtpd':
      return `421 4.3.2 ${servername} ${why}, try again later\r\n`;
    case 'timsieved':
      return `BYE (TRYLATER) "${servername} ${why}, try again later"\r\n`;
    case 'mupdate':
      return `* BYE "${servername} ${why}, try again later"\r\n`;
    default:
      return null;
  }
}
