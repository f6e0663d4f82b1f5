#!/bin/sh
# Run by `npm start` (prestart): what the embedded default in conf/ needs before the master starts.
# - a self-signed TLS pair for STARTTLS and imaps, made here on first start (no key is ever committed);
# - the demo user demo/demo and the demo administrator admin/admin (conf/imapd.conf names it in
#   `admins:`) in the password store (the demo user's INBOX is created at its first login).
set -e
cd "$(dirname "$0")/.."
mkdir -p var/tls
if [ ! -f var/tls/server.pem ]; then
  if command -v openssl >/dev/null 2>&1; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout var/tls/server.key -out var/tls/server.pem \
      -days 825 -subj /CN=localhost >/dev/null 2>&1
    chmod 600 var/tls/server.key
  else
    echo "openssl not found: no TLS pair made, STARTTLS and imaps stay off" >&2
  fi
fi
echo demo | node dist/bin/cyrusts.js saslpasswd -C conf/imapd.conf -p -c demo
echo admin | node dist/bin/cyrusts.js saslpasswd -C conf/imapd.conf -p -c admin
