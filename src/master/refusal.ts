/**
 * What a client hears when its service is at maxchild (or has no worker to take it): never silence
 * on a plaintext port. A TLS-on-connect service (`-s`, e.g. imaps) gets null, so the socket is just
 * closed: plaintext bytes would only garble the client's TLS handshake.
 */
export function refusalText(program: string, serviceName: string, servername: string, tlsOnConnect = false): string | null {
  if (tlsOnConnect) return null;
  switch (program) {
    case 'imapd':
      return `* BYE [UNAVAILABLE] ${servername} too many connections to service ${serviceName}, try again later\r\n`;
    case 'pop3d':
      return `-ERR [SYS/TEMP] ${servername} too many connections to service ${serviceName}, try again later\r\n`;
    case 'lmtpd':
      return `421 4.3.2 ${servername} too many connections to service ${serviceName}, try again later\r\n`;
    default:
      return null;
  }
}
