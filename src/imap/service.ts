// imapd as the master runs it (cyrus.conf cmd="imapd"); see program.ts.
export { imapProgram as program } from './program.js';
