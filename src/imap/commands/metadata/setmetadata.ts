/**
 * SETMETADATA (RFC 5464 section 4.3): every entry of the command is checked first (name, rights,
 * value, size), then all are written in one transaction: all or none. NIL removes an entry.
 * /private/specialuse sets the mailbox's SPECIAL-USE attributes (the check CREATE ... USE uses).
 */
import { specialUseOf } from '../../../accounts/index.js';
import { isMailError, MailError, type ServerMessage } from '../../../common/index.js';
import type { AnnotationChange } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { entryName } from '../../wire/parse/metadata.js';
import { always, CommandFailure, defineCommand, type CommandContext } from '../types.js';
import { mayWrite, metadataTarget, type MetadataTarget } from './access.js';
import { checkedValue, definitionOf } from './entries.js';

const denied = () => new CommandFailure('NO', 'NOPERM', 'Permission denied');

/** The special-use attributes a /private/specialuse value asks for (null: none), as CREATE ... USE checks them. */
function specialUseValue(ctx: CommandContext, target: MetadataTarget, value: Buffer | null): string | null {
  if (target.on !== 'mailbox' || value === null) return null;
  const uses = value.toString('utf8').split(/\s+/).filter((u) => u !== '');
  try {
    return specialUseOf(ctx.deps.config, target.entry.name, uses);
  } catch (err) {
    if (err instanceof MailError && err.detail?.specialUse) throw new CommandFailure('NO', 'USEATTR', err.message);
    throw err;
  }
}

export const setMetadataCommand = defineCommand({
  name: 'SETMETADATA',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const names = command.values.map(({ entry }) => {
      const name = entryName(entry, false);
      if ('error' in name) throw new CommandFailure(name.error === 'prefix' ? 'BAD' : 'NO', null, name.message);
      return name;
    });
    const target = metadataTarget(ctx, command.mailbox);
    const identity = ctx.identity();
    const config = ctx.deps.config;
    const maxSize = config.bytes('annotation_maxsize');
    const allowUndefined = config.bool('annotation_allow_undefined');
    const changes: AnnotationChange[] = [];
    let specialUse: { value: string | null } | null = null;
    const files: Array<{ file: ServerMessage; value: string | null }> = [];
    for (const [k, { value }] of command.values.entries()) {
      const { scope, path } = names[k]!;
      if (path === '') throw denied();
      const definition = definitionOf(target.on, scope, path);
      if (!definition && !allowUndefined) throw denied();
      if (definition?.source === 'computed') throw denied();
      if (scope === 'private' && identity.isAnonymous) throw new CommandFailure('NO', 'METADATA NOPRIVATE', 'Private annotations are not available');
      if (!mayWrite(ctx, target, scope, definition)) throw denied();
      if (value !== null && value.length > maxSize) throw new CommandFailure('NO', `METADATA MAXSIZE ${maxSize}`, 'Annotation value too long');
      if (definition?.source === 'file') {
        // One line: the server reads the file's first line.
        const text = value === null ? null : value.toString('utf8').trim();
        if (text !== null && /[\r\n]/.test(text)) throw new CommandFailure('NO', null, 'Invalid annotation value');
        files.push({ file: definition.file!, value: text === '' ? null : text });
        continue;
      }
      if (definition?.source === 'specialUse') {
        specialUse = { value: specialUseValue(ctx, target, value) };
        continue;
      }
      const checked = value === null ? null : checkedValue(definition?.kind ?? 'text', value);
      if (value !== null && checked === null) throw new CommandFailure('NO', null, 'Invalid annotation value');
      changes.push({ entry: path, userid: scope === 'private' ? identity.userid : '', value: checked });
    }
    try {
      if (changes.length > 0) ctx.deps.store.annotations.apply(target.key, changes, { maxEntries: config.int('annotation_maxentries') });
    } catch (err) {
      if (isMailError(err, 'Limit') && (err as MailError).detail?.tooMany) throw new CommandFailure('NO', 'METADATA TOOMANY', 'Too many annotations');
      throw err;
    }
    for (const { file, value } of files) ctx.deps.writeServerMessage(file, value);
    if (specialUse !== null && target.on === 'mailbox') ctx.deps.store.setSpecialUse(target.entry.name, specialUse.value);
  },
});
