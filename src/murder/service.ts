// mupdate as the master runs it (cyrus.conf cmd="mupdate -m" or "mupdate"); see program.ts.
export { mupdateProgram as program } from './program.js';
