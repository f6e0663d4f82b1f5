// pop3d as the master runs it (cyrus.conf cmd="pop3d"); see program.ts.
export { pop3Program as program } from './program.js';
