/**
 * SEARCH and UID SEARCH (RFC 3501 6.4.4), with ESEARCH return options (RFC 4731). The matching
 * itself (what is read from the index, the cache and the message files) is in run.ts, shared with SORT.
 */
import { SELECTED } from '../../../session/state.js';
import { esearchResponse, searchResponse, type EsearchResult } from '../../../wire/serialize/lists.js';
import { defineCommand, onlyByUid } from '../../types.js';
import { emptiedOnFailure, resultToSave, saveResult } from '../saved-result.js';
import { findMatches, requireCharset } from './run.js';
import { flagSearchResponse } from './flag-only.js';
import { checkContextTag, startContext } from '../context.js';
import { partialItem, partialToSave, requestedItems } from '../partial.js';

export const searchCommand = defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    const saving = command.returnOptions?.includes('SAVE') ?? false;
    const updating = command.returnOptions?.includes('UPDATE') ?? false;
    if (updating) checkContextTag(ctx);
    // One flag key and no RETURN options (UID SEARCH UNSEEN): straight from the flag column to bytes.
    if (command.returnOptions === null) {
      if (command.charset !== null) requireCharset(command.charset);
      const direct = await flagSearchResponse(ctx, command.criteria, command.byUid);
      if (direct !== null) {
        ctx.out.raw(direct);
        return;
      }
    }
    const modseqBefore = ctx.selected().highestModseq;
    const { seqs, uids, highestModseq: highestFound, usesModseq } = await emptiedOnFailure(ctx.selected(), saving, async () => {
      if (command.charset !== null) requireCharset(command.charset);
      return findMatches(ctx, command.criteria);
    });
    const found = command.byUid ? uids : seqs;
    // SEARCHRES (RFC 5182): SAVE keeps the result for `$`; alone, it asks for no ESEARCH response.
    if (saving) {
      const options = command.returnOptions!;
      saveResult(ctx.selected(), command.partial ? partialToSave(options, command.partial, uids) : resultToSave(options, uids));
    }
    if (saving && command.returnOptions!.length === 1 && command.partial === undefined) return;
    if (command.returnOptions === null) {
      ctx.out.send(searchResponse(found, usesModseq && found.length > 0 ? highestFound : undefined));
      return;
    }
    const options = requestedItems(command.returnOptions, command.partial);
    const result: EsearchResult = { tag: ctx.tag, uid: command.byUid };
    if (found.length > 0 && options.has('MIN')) result.min = found[0]!;
    if (found.length > 0 && options.has('MAX')) result.max = found[found.length - 1]!;
    if (options.has('COUNT')) result.count = found.length;
    if (options.has('ALL')) result.all = found;
    if (command.partial) result.partial = partialItem(found, command.partial);
    if (usesModseq && found.length > 0) result.modseq = highestFound;
    ctx.out.send(esearchResponse(result));
    if (updating) startContext(ctx, { byUid: command.byUid, criteria: command.criteria, sort: null, fetch: command.updateFetch }, uids, modseqBefore);
  },
});
