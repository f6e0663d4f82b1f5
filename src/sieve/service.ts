// timsieved as the master runs it (cyrus.conf cmd="timsieved"); see program.ts.
export { timsievedProgram as program } from './program.js';
