/** The unique-id of a message as `uidl_format` says (Cyrus's four forms; stable while UIDVALIDITY is). */

/** The values of the uidl_format option (its table entry lists the same words). */
export type UidlFormat = 'uidonly' | 'cyrus' | 'dovecot' | 'courier';

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export function formatUidl(format: UidlFormat, uidValidity: number, uid: number): string {
  switch (format) {
    case 'uidonly':
      return String(uid);
    case 'cyrus':
      return `${uidValidity}.${uid}`;
    case 'dovecot':
      return `${hex8(uid)}${hex8(uidValidity)}`;
    case 'courier':
      return `${uidValidity}-${uid}`;
  }
}
