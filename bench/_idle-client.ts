// The IDLE client of imap-idle-latency, in a process of its own that loads nothing else: the bench
// process holds the whole mail store (it makes the users and starts the master), and a collection of
// that heap landing on a push would be counted as the server's latency. As a real client would be,
// this one is a socket and a line splitter.
// Run by fork with PORT USER PASSWORD MAILBOX; it sends {ready: true} once IDLE was accepted, and on
// any message from the parent answers {arrivals}: arrivals[i] is the CLOCK_MONOTONIC time (ms) at
// which the (i+1)th message was told of ("* N EXISTS" tells of every message up to N).
import net from 'node:net';
import { applyInheritedSlice } from './_client-slice.js';

const [port, user, password, mailbox] = process.argv.slice(2);
const slice = applyInheritedSlice();
const arrivals: number[] = [];
const socket = net.connect(Number(port), '127.0.0.1');
socket.setNoDelay(true);
let pending = '';
let step = 0;
const steps = [`a LOGIN ${user} ${password}\r\n`, `b SELECT ${mailbox}\r\n`, 'c IDLE\r\n'];
socket.on('data', (chunk: Buffer) => {
  const at = Number(process.hrtime.bigint()) / 1e6;
  pending += chunk.toString('latin1');
  for (let nl = pending.indexOf('\r\n'); nl !== -1; nl = pending.indexOf('\r\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 2);
    const exists = /^\* (\d+) EXISTS$/.exec(line);
    if (exists && step > steps.length - 1) {
      while (arrivals.length < Number(exists[1])) arrivals.push(at);
    } else if (line.startsWith('* OK') && step === 0) {
      socket.write(steps[step++]!);
    } else if (/^[ab] OK/.test(line)) {
      socket.write(steps[step++]!);
    } else if (/^[ab] (NO|BAD)/.test(line)) {
      process.send!({ error: line });
    } else if (line.startsWith('+') && step === steps.length) {
      step++;
      process.send!({ ready: true, slice });
    }
  }
});
process.on('message', () => {
  process.send!({ arrivals });
  socket.end('DONE\r\n');
  process.disconnect();
});
