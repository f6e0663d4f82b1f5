// Prints how many 4 KB messages per second summarizeMessage parses (envelope, bodystructure, ranges).
import { normalizeLineEnds, summarizeMessage } from '../src/message/index.js';

const attachment = Buffer.alloc(1800, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
const message = normalizeLineEnds(Buffer.from([
  'From: "Ann Example" <ann@example.com>', 'To: bob@example.org, "Carl" <carl@example.net>', 'Subject: =?UTF-8?Q?caf=C3=A9?= report',
  'Date: Mon, 2 Nov 2026 10:00:00 +0000', 'Message-ID: <bench@example.com>', 'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '',
  'x'.repeat(74).concat('\n').repeat(20), '--b1', 'Content-Type: application/octet-stream; name=a.bin',
  'Content-Transfer-Encoding: base64', '', attachment, '--b1--', '',
].join('\n')));
for (let i = 0; i < 2000; i++) summarizeMessage(message);
const runs = 20_000;
const started = performance.now();
for (let i = 0; i < runs; i++) summarizeMessage(message);
const seconds = (performance.now() - started) / 1000;
console.log(`message-parse: ${message.length} bytes, ${Math.round(runs / seconds)} msg/s (${((seconds / runs) * 1e6).toFixed(1)} us each)`);
