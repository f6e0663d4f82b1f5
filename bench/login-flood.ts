// Issue 17: the time of an honest LOGIN while 20 connections send wrong LOGINs, against any IMAP
// port (attack-stalls runs the same flood against our master and, with --peers, the peers).
//   npm run bench -- login-flood --port 14301 [--host 127.0.0.1] [--honest user48] [--attacker user49]
//     [--password pass] [--connections 20] [--seconds 10] [--attacker-from 127.0.0.2]
import { parseArgs } from 'node:util';
import { describeLoginFlood, loginFlood } from './_login-flood.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    honest: { type: 'string', default: 'user48' },
    attacker: { type: 'string', default: 'user49' },
    password: { type: 'string', default: 'pass' },
    connections: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    'attacker-from': { type: 'string' },
  },
});
if (values.port === undefined) {
  console.error('usage: npm run bench -- login-flood --port PORT [--honest USER] [--attacker USER] ...');
  process.exit(2);
}
const connections = Number(values.connections);
console.log(`login flood against ${values.host}:${values.port}: ${connections} connections send wrong LOGINs as ${values.attacker} for ${values.seconds} s; ${values.honest} logs in and out meanwhile`);
const result = await loginFlood({
  port: Number(values.port),
  host: values.host,
  honestUser: values.honest!,
  attackerUser: values.attacker!,
  password: values.password!,
  connections,
  seconds: Number(values.seconds),
  attackerFrom: values['attacker-from'],
});
console.log(describeLoginFlood(result));
