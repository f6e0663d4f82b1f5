/**
 * SEARCH and UID SEARCH (RFC 3501 6.4.4), with ESEARCH return options (RFC 4731). The matching
 * itself (what is read from the index, the cache and the message files) is in run.ts, shared with SORT.
 */
import { SELECTED } from '../../../session/state.js';
import { esearchResponse, searchResponse, type EsearchResult } from '../../../wire/serialize/lists.js';
import { CommandFailure, defineCommand, onlyByUid } from '../../types.js';
import { findMatches, requireCharset } from './run.js';

export const searchCommand = defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    if (command.charset !== null) requireCharset(command.charset);
    if (command.returnOptions?.includes('SAVE')) throw new CommandFailure('BAD', null, 'SEARCH RETURN (SAVE) is not supported');
    const { seqs, uids, highestModseq: highestFound, usesModseq } = await findMatches(ctx, command.criteria);
    const found = command.byUid ? uids : seqs;
    if (command.returnOptions === null) {
      ctx.out.send(searchResponse(found, usesModseq && found.length > 0 ? highestFound : undefined));
      return;
    }
    const options = command.returnOptions.length === 0 ? ['ALL'] : command.returnOptions;
    const result: EsearchResult = { tag: ctx.tag, uid: command.byUid };
    if (found.length > 0 && options.includes('MIN')) result.min = found[0]!;
    if (found.length > 0 && options.includes('MAX')) result.max = found[found.length - 1]!;
    if (options.includes('COUNT')) result.count = found.length;
    if (options.includes('ALL')) result.all = found;
    if (usesModseq && found.length > 0) result.modseq = highestFound;
    ctx.out.send(esearchResponse(result));
  },
});
